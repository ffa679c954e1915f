"""GET /api/v1/<list>.csv and .ndjson: every list's downloads, made by one helper."""

import csv
import io

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.main import create_app
from app.queries.changes import iter_changes
from app.queries.common import keyset_batches
from app.queries.relations import iter_timeline
from app.queries.visits import SORTS, filter_visits
from app.schemas.changes import ChangeQuery
from app.schemas.relations import TimelineQuery
from app.schemas.visits import VisitQuery
from tests.problems import assert_problem


def _export_paths() -> list[str]:
    spec = create_app().openapi()
    return sorted(
        path
        for path, item in spec["paths"].items()
        if item.get("get", {}).get("operationId", "").startswith("export_")
    )


EXPORTS = _export_paths()
REQUIRED = {"/api/v1/timeline": {"country": "AZ"}}
"""Query parameters an export needs (as its list does)."""


def test_every_list_has_both_exports() -> None:
    lists = {p.rsplit(".", 1)[0] for p in EXPORTS}
    assert {
        f"/api/v1/{name}"
        for name in (
            "agreements",
            "visits",
            "signatories",
            "countries",
            "sectors",
            "sources",
            "bodies",
            "timeline",
            "changes",
        )
    } <= lists
    assert all(f"{p}.csv" in EXPORTS and f"{p}.ndjson" in EXPORTS for p in lists)


@pytest.mark.parametrize("path", EXPORTS)
def test_every_export_answers_and_head_works(client: TestClient, path: str) -> None:
    params = REQUIRED.get(path.rsplit(".", 1)[0], {})
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text
    media_type = "text/csv" if path.endswith(".csv") else "application/x-ndjson"
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers["cache-control"] == "no-store"
    if path.endswith(".csv"):
        assert response.text.startswith(("id,", "kind,"))
    else:
        assert all(orjson.loads(line) for line in response.text.splitlines())
    head = client.head(path, params=params)
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["content-type"] == response.headers["content-type"]


def _visits_csv(client: TestClient, query: str = "") -> list[dict[str, str]]:
    response = client.get(f"/api/v1/visits.csv?{query}")
    assert response.status_code == 200, response.text
    return list(csv.DictReader(io.StringIO(response.text)))


def test_visits_csv_a_spreadsheet_reads_right(client: TestClient) -> None:
    rows = _visits_csv(client, "country=AZ")
    json_ids = [v["id"] for v in client.get("/api/v1/visits?country=AZ&limit=100").json()["items"]]
    assert [r["id"] for r in rows] == json_ids
    lam = next(r for r in rows if r["id"] == "state-visit-to-lam-azerbaijan-2025")
    assert (lam["host_country_id"], lam["host_country_name"]) == ("AZ", "Azerbaijan")
    assert (lam["guest_country_id"], lam["guest_country_name"]) == ("VN", "Vietnam")
    assert lam["date_inferred"] in ("true", "false")
    assert lam["year"] == "2025"
    given = lam["date"].split("-")
    assert [lam["year"], lam["month"], lam["day"]] == given + [""] * (3 - len(given))
    assert {r["date_precision"] for r in rows} <= {"year", "month", "day", ""}
    assert all(r["year"].isdigit() for r in rows if r["date"])


def test_visits_ndjson_is_the_lists_items(client: TestClient) -> None:
    response = client.get("/api/v1/visits.ndjson?host=AZ")
    records = [orjson.loads(line) for line in response.text.splitlines()]
    items = client.get("/api/v1/visits?host=AZ&limit=100").json()["items"]
    assert records == items


def test_exports_take_the_lists_filters_and_no_paging(client: TestClient) -> None:
    assert [r["id"] for r in _visits_csv(client, "q=ho%20chi%20minh")] == [
        "visit-ho-chi-minh-azerbaijan-1959"
    ]
    assert_problem(client.get("/api/v1/visits.csv?host=XX"), 422, "host")
    assert_problem(client.get("/api/v1/visits.ndjson?limit=5"), 422, "limit")


def test_timeline_csv_is_the_whole_timeline_in_order(client: TestClient) -> None:
    query = {"country": ["VN", "AZ"]}
    rows = list(csv.DictReader(io.StringIO(client.get("/api/v1/timeline.csv", params=query).text)))
    items = client.get("/api/v1/timeline", params={**query, "limit": 100}).json()["items"]
    assert [(r["kind"], r["id"]) for r in rows] == [(i["kind"], i["id"]) for i in items]
    assert "visit-ho-chi-minh-azerbaijan-1959" in {r["id"] for r in rows}
    assert_problem(client.get("/api/v1/timeline.csv"), 422, "country")


def test_timeline_batches_continue_where_the_last_stopped(session: Session) -> None:
    query = TimelineQuery(country=["VN", "AZ"])
    whole = [r["id"] for batch in iter_timeline(session, query) for r in batch]
    in_twos = [r["id"] for batch in iter_timeline(session, query, batch=2) for r in batch]
    assert in_twos == whole and len(whole) > 2


def test_changes_csv_carries_each_write_with_its_record_as_json(
    client: TestClient, session: Session, keys: dict[str, str]
) -> None:
    write = {"Authorization": f"Bearer {keys['write']}"}
    for i in range(3):
        client.post("/api/v1/sectors", json={"id": f"export-{i}", "name": f"E {i}"}, headers=write)
    response = client.get("/api/v1/changes.csv", params={"record_type": "sector"})
    rows = [r for r in csv.DictReader(io.StringIO(response.text)) if r["record_id"] == "export-1"]
    assert [(r["action"], r["before"]) for r in rows] == [("create", "")]
    assert orjson.loads(rows[0]["after"])["name"] == "E 1"
    feed = client.get("/api/v1/changes", params={"record_type": "sector", "limit": 1000}).json()
    in_twos = [c.id for b in iter_changes(session, ChangeQuery(record_type="sector"), 2) for c in b]
    assert [c["id"] for c in feed["items"]] == in_twos
    assert len(in_twos) >= 3


def test_exports_accept_only_their_media_type(client: TestClient) -> None:
    response = client.get("/api/v1/visits.csv", headers={"Accept": "application/json"})
    assert_problem(response, 406)
    response = client.get("/api/v1/visits.ndjson", headers={"Accept": "application/json"})
    assert_problem(response, 406)


def test_ndjson_is_plain_text_when_asked_so(client: TestClient) -> None:
    """The same lines, labelled `text/plain` (a browser shows them; the spec offers both)."""
    url = "/api/v1/visits.ndjson?host=AZ"
    ndjson = client.get(url)
    text = client.get(url, headers={"Accept": "text/plain, application/x-ndjson;q=0.5"})
    assert ndjson.headers["content-type"] == "application/x-ndjson"
    assert text.headers["content-type"] == "text/plain; charset=utf-8"
    assert text.content == ndjson.content and b"state-visit-to-lam-azerbaijan-2025" in text.content


def test_batches_continue_where_the_last_stopped(client: TestClient, session: Session) -> None:
    """Keyset batches of two give the whole list, in the list's order, each row once."""
    query = VisitQuery(sort="title")
    stmt = filter_visits(session, query)
    streamed = [v.id for batch in keyset_batches(session, stmt, SORTS["title"], 2) for v in batch]
    listed = [v["id"] for v in client.get("/api/v1/visits?sort=title&limit=100").json()["items"]]
    assert streamed == listed
    assert "visit-ho-chi-minh-azerbaijan-1959" in streamed


LISTS = [path.removesuffix(".csv") for path in EXPORTS if path.endswith(".csv")]


@pytest.mark.parametrize("path", LISTS)
def test_every_list_answers_accept_as_its_downloads_do(client: TestClient, path: str) -> None:
    params = REQUIRED.get(path, {})
    for media_type, suffix in (("text/csv", ".csv"), ("application/x-ndjson", ".ndjson")):
        asked = client.get(path, params=params, headers={"Accept": media_type})
        assert asked.status_code == 200, (path, media_type, asked.text)
        assert asked.headers["content-type"].startswith(media_type)
        assert asked.content == client.get(path + suffix, params=params).content
    refused = client.get(path, params=params, headers={"Accept": "image/png"})
    body = assert_problem(refused, 406)
    assert "text/csv" in body["detail"] and "application/x-ndjson" in body["detail"]


@pytest.mark.parametrize("path", LISTS)
def test_ndjson_lines_are_the_lists_items(
    client: TestClient, keys: dict[str, str], path: str
) -> None:
    write = {"Authorization": f"Bearer {keys['write']}"}  # a change, so the feed holds one
    client.post("/api/v1/sectors", json={"id": "ndjson-lines", "name": "N"}, headers=write)
    params = REQUIRED.get(path, {})
    items = client.get(path, params={**params, "limit": 100}).json()["items"]
    assert items, path  # a list the seeds leave empty would prove nothing
    lines = client.get(path + ".ndjson", params=params).text.splitlines()
    assert [orjson.loads(line) for line in lines[: len(items)]] == items

"""Inputs an attacker would try: forged cursors, dates at the extremes, a deep sector chain,
newlines and non-ASCII digits in URLs, huge headers. Each is a 4xx problem (or a correct
answer), never a 500."""

import base64
import json

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.curation.keys import create_key
from app.queries.relations import TIMELINE_KINDS
from tests.problems import assert_problem

LISTS = {
    "agreements": "-date",
    "visits": "-date",
    "countries": "name",
    "signatories": "name",
    "sectors": "id",
    "sources": "id",
}
FORGED_VALUES = [None, True, False, [1], {}, {"a": 1}, 1, 2**70, 1.5, "x\u0000y"]


def cursor(*parts: object) -> str:
    return base64.urlsafe_b64encode(json.dumps(list(parts)).encode()).decode().rstrip("=")


@pytest.mark.parametrize("resource", LISTS)
def test_forged_cursors_of_every_json_type_are_422(client: TestClient, resource: str) -> None:
    sort = LISTS[resource]
    url = f"/api/v1/{resource}"
    forged = [cursor(sort, value, "some-id") for value in FORGED_VALUES]
    forged += [cursor(sort, "2025-01-01", value) for value in FORGED_VALUES]
    forged += [
        base64.urlsafe_b64encode(json.dumps(payload).encode()).decode()
        for payload in (None, True, 1, 1.5, "text", [], [sort], {}, [sort, "a", "b", "c"])
    ]
    forged += [cursor("another-sort", "a", "b"), "not base64 at all!", "e30"]
    for value in forged:
        assert_problem(client.get(url, params={"cursor": value}), 422, "cursor")


OUT_OF_RANGE = [2**63, -(2**63) - 1, 2**64, 10**30]
"""Numbers past what a database column holds (SQLite's and PostgreSQL's integers are 64-bit)."""


def assert_bad_cursor(response: httpx.Response) -> None:
    body = assert_problem(response, 422, "cursor")
    assert body["type"] == "/problems/invalid-parameter"


@pytest.mark.parametrize("rank", [*OUT_OF_RANGE, -1, len(TIMELINE_KINDS)])
def test_a_timeline_cursor_whose_rank_is_out_of_range_is_a_422(
    client: TestClient, rank: int
) -> None:
    """The rank orders a day's entries (milestones, visits, agreements, statements): one of
    their indexes in `TIMELINE_KINDS`, nothing else."""
    url = "/api/v1/timeline"
    forged = cursor("timeline", "1959-01-01", rank, "visit-ho-chi-minh-azerbaijan-1959")
    assert_bad_cursor(client.get(url, params={"country": "VN", "cursor": forged}))


@pytest.mark.parametrize("sort", ["-date", "date", "-title", "title"])
def test_an_agreements_cursor_whose_parts_are_out_of_range_is_a_422(
    either_engine: TestClient, sort: str
) -> None:
    values = [*OUT_OF_RANGE, "0000-01-01", "10000-01-01", "2025-02-30"]
    if sort.endswith("title"):
        values = OUT_OF_RANGE
    forged = [cursor(sort, value, "mou-energy-vn-az-2025") for value in values]
    forged += [cursor(sort, "2025-01-01", number) for number in OUT_OF_RANGE]
    for value in forged:
        response = either_engine.get("/api/v1/agreements", params={"sort": sort, "cursor": value})
        assert_bad_cursor(response)


def test_a_visits_cursor_whose_parts_are_out_of_range_is_a_422(client: TestClient) -> None:
    forged = [
        cursor("-date", number, "state-visit-to-lam-azerbaijan-2025") for number in OUT_OF_RANGE
    ]
    forged += [cursor("-date", "2025-01-01", number) for number in OUT_OF_RANGE]
    for value in forged:
        assert_bad_cursor(client.get("/api/v1/visits", params={"cursor": value}))


def test_a_date_sort_cursor_needs_an_iso_day(client: TestClient) -> None:
    url = "/api/v1/agreements"
    for value in ("2025", "20250101", "2025-W01-1", "２０２５-01-01", "2025-13-01"):
        assert_problem(client.get(url, params={"cursor": cursor("-date", value, "x")}), 422)
    assert client.get(url, params={"cursor": cursor("-date", "2025-01-01", "x")}).status_code == 200


@pytest.mark.parametrize("fmt", ["json", "csv"])
@pytest.mark.parametrize("sort", ["-date", "date"])
def test_dates_at_the_extremes_answer(client: TestClient, fmt: str, sort: str) -> None:
    url = "/api/v1/agreements"
    for params in (
        {"date_from": "0001"},
        {"date_from": "0001-01-01"},
        {"date_to": "0001"},
        {"date_from": "9999-12-31"},
        {"date_to": "9999"},
        {"date_from": "0001", "date_to": "9999"},
    ):
        response = client.get(url, params={**params, "format": fmt, "sort": sort})
        assert response.status_code == 200, (params, response.text)
    every = client.get(url, params={"date_from": "0001", "date_to": "9999", "limit": 100}).json()
    assert "mou-energy-vn-az-2025" in {a["id"] for a in every["items"]}
    assert client.get(url, params={"date_from": "9999"}).json()["items"] == []
    assert_problem(client.get(url, params={"date_from": "0000"}), 422, "date_from")


@pytest.mark.parametrize(
    "value", ["2025\n", "2025\r\n", "\t2025", "٢٠٢٥", "２０２５", "2025-٠١", " 2025", "+2025"]
)
def test_dates_in_query_parameters_are_matched_whole_in_ascii(
    client: TestClient, value: str
) -> None:
    for url in ("/api/v1/agreements", "/api/v1/visits", "/api/v1/timeline?country=VN"):
        assert client.get(url, params={"date_from": value}).status_code == 422, (url, value)
        assert client.get(url, params={"date_to": value}).status_code == 422, (url, value)


INTEGER_PARAMETERS = [
    ("/api/v1/agreements", "limit"),
    ("/api/v1/agreements", "offset"),
    ("/api/v1/visits", "limit"),
    ("/api/v1/visits", "offset"),
    ("/api/v1/countries", "limit"),
    ("/api/v1/signatories", "limit"),
    ("/api/v1/sectors", "limit"),
    ("/api/v1/sources", "offset"),
    ("/api/v1/bodies", "limit"),
    ("/api/v1/timeline", "limit"),
    ("/api/v1/timeline", "offset"),
    ("/api/v1/search", "limit"),
    ("/api/v1/changes", "since"),
    ("/api/v1/changes", "limit"),
    ("/api/v1/changes.csv", "since"),
    ("/api/v1/agreements/mou-energy-vn-az-2025/history", "limit"),
    ("/api/v1/agreements/mou-energy-vn-az-2025/history", "cursor"),
]


@pytest.mark.parametrize(("url", "parameter"), INTEGER_PARAMETERS)
def test_integers_in_query_parameters_are_ascii_digits_only(
    client: TestClient, url: str, parameter: str
) -> None:
    needed = {"/api/v1/timeline": {"country": "VN"}, "/api/v1/search": {"q": "baku"}}.get(url, {})
    for value in ("+5", " 5", "5 ", "5_0", "5.0", "٥", "５", "0x5", "1e1"):
        response = client.get(url, params={**needed, parameter: value})
        assert_problem(response, 422, parameter)
    assert client.get(url, params={**needed, parameter: "5"}).status_code == 200


@pytest.mark.parametrize(
    ("url", "params"),
    [
        ("/api/v1/agreements", {"country": "VN\n"}),
        ("/api/v1/agreements", {"country": "VN\u00a0"}),
        ("/api/v1/agreements", {"country": " VN"}),
        ("/api/v1/agreements", {"sector": "energy\n"}),
        ("/api/v1/agreements", {"sector": "Energy"}),
        ("/api/v1/agreements", {"signatory": "petrovietnam\n"}),
        ("/api/v1/agreements", {"visit": "state-visit-to-lam-azerbaijan-2025\n"}),
        ("/api/v1/visits", {"country": "AZ\n"}),
        ("/api/v1/visits", {"host": "ＡＺ"}),
        ("/api/v1/signatories", {"country": "VN\r"}),
        ("/api/v1/sectors", {"parent": "energy\n"}),
        ("/api/v1/timeline", {"country": "VN\n"}),
    ],
)
def test_filter_codes_are_matched_whole(client: TestClient, url: str, params: dict) -> None:
    assert_problem(client.get(url, params=params), 422)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/agreements/mou-energy-vn-az-2025%0A",
        "/api/v1/agreements/mou-energy-vn-az-%D9%A2%D9%A0%D9%A2%D9%A5",
        "/api/v1/agreements/MOU-ENERGY-VN-AZ-2025",
        "/api/v1/visits/state-visit-to-lam-azerbaijan-2025%0A",
        "/api/v1/signatories/petrovietnam%0D",
        "/api/v1/sectors/energy%0A",
        "/api/v1/sectors/energy%0A/history",
        "/api/v1/sources/vns-baku-signing-ceremony-2025%09",
        "/api/v1/countries/VN%0A",
        "/api/v1/countries/%EF%BC%B6%EF%BC%AE",
        "/api/v1/relations/VN%0A/AZ",
    ],
)
def test_path_ids_are_matched_whole_in_ascii(client: TestClient, path: str) -> None:
    assert_problem(client.get(path), 422)


def test_a_newline_in_a_written_id_path_is_refused(client: TestClient, session: Session) -> None:
    _, secret = create_key(session, "newline", "write")
    response = client.patch(
        "/api/v1/sectors/energy%0A",
        json={"name": "x"},
        headers={"Authorization": f"Bearer {secret}", "If-Match": '"x"'},
    )
    assert_problem(response, 422)


def test_a_forty_deep_sector_chain_keeps_lists_and_facets_working(
    client: TestClient, session: Session
) -> None:
    _, secret = create_key(session, "deep", "write")
    auth = {"Authorization": f"Bearer {secret}"}
    parent = "energy"
    for level in range(40):
        sector = f"deep-{level}"
        response = client.post(
            "/api/v1/sectors", json={"id": sector, "name": f"Deep {level}", "parent": parent}
        )
        assert response.status_code == 401
        response = client.post(
            "/api/v1/sectors",
            json={"id": sector, "name": f"Deep {level}", "parent": parent},
            headers=auth,
        )
        assert response.status_code == 201, response.text
        parent = sector
    quote = "signed a memorandum of understanding on cooperation in the energy sector"
    created = client.post(
        "/api/v1/agreements",
        headers=auth,
        json={
            "id": "mou-deepest-sector",
            "title": "Deepest sector MoU",
            "kind": "mou",
            "parties": [{"country": "VN"}, {"country": "AZ"}],
            "sectors": ["deep-39"],
            "citations": [
                {"source": "vns-baku-signing-ceremony-2025", "quote": quote, "field": field}
                for field in (None, "kind", "parties", "sectors")
            ],
        },
    )
    assert created.status_code == 201, created.text

    counts = {}
    cursor_value = None
    while True:
        params = {"limit": 100, **({"cursor": cursor_value} if cursor_value else {})}
        page = client.get("/api/v1/sectors", params=params)
        assert page.status_code == 200, page.text
        counts.update({s["id"]: s["agreement_count"] for s in page.json()["items"]})
        cursor_value = page.json()["next_cursor"]
        if not cursor_value:
            break
    assert counts["deep-39"] == counts["deep-0"] == 1
    energy_total = client.get("/api/v1/agreements", params={"sector": "energy"}).json()["total"]
    assert counts["energy"] == energy_total
    assert client.get("/api/v1/agreements", params={"sector": "deep-0"}).json()["items"][0][
        "id"
    ] == ("mou-deepest-sector")

    facets = client.get("/api/v1/agreements", params={"facets": "sector"})
    assert facets.status_code == 200, facets.text
    sector_counts = {f["value"]: f["count"] for f in facets.json()["facets"]["sector"]}
    assert sector_counts["energy"] == energy_total
    detail = client.get("/api/v1/sectors/deep-39").json()
    assert detail["ancestors"] == ["energy", *(f"deep-{i}" for i in range(39))]
    assert detail["agreement_count"] == 1


def test_request_headers_over_the_limit_are_431(client: TestClient) -> None:
    body = assert_problem(client.get("/api/v1/sources", headers={"X-API-Key": "k" * 9000}), 431)
    assert "x-api-key" in body["detail"]
    many = {f"X-Filler-{i}": "v" * 4000 for i in range(5)}
    assert_problem(client.get("/api/v1/sources", headers=many), 431)
    assert client.get("/api/v1/sources", headers={"X-Filler": "v" * 4000}).status_code == 200

"""Agreements for analysts and frontends: facets, include=, CSV/NDJSON downloads, as_of."""

import csv
import io

import orjson
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from tests.factories import make_agreement, make_agreements, make_event
from tests.problems import assert_problem

URL = "/api/v1/agreements"
FACETS = ["country", "sector", "kind", "year", "decade"]


def _filter_for(facet: str, value: str) -> dict[str, str]:
    if facet in ("year", "decade"):
        last = str(int(value) + (0 if facet == "year" else 9))
        return {"date_from": value, "date_to": last}
    return {facet: value}


@pytest.mark.parametrize("base", [{}, {"country": "AZ"}, {"sector": "energy"}])
def test_facet_counts_equal_the_filtered_totals(
    client: TestClient, session: Session, base: dict
) -> None:
    make_agreements(session, 15, parties=("FR", "DE", "AZ"), sectors=("oil-and-gas",))
    body = client.get(URL, params={**base, "facets": FACETS}).json()
    assert set(body["facets"]) == set(FACETS)
    for facet, counts in body["facets"].items():
        assert counts, facet
        for bucket in counts:
            extra = _filter_for(facet, bucket["value"])
            params = {**base, **extra, "limit": 1}
            for key in base.keys() & extra.keys():  # repeated filters: both must hold
                params[key] = [base[key], extra[key]]
            total = client.get(URL, params=params).json()["total"]
            assert bucket["count"] == total, (facet, bucket)


def test_many_to_many_counts_once_per_party(client: TestClient) -> None:
    body = client.get(URL, params={"country": ["VN", "AZ"], "facets": "country"}).json()
    counts = {b["value"]: b["count"] for b in body["facets"]["country"]}
    assert counts["VN"] == counts["AZ"] == body["total"]
    assert counts["VDVN"] == counts["azerbaijan-ssr"] == 1


def test_no_facets_unless_asked(client: TestClient) -> None:
    assert "facets" not in client.get(URL).json()


def test_include_embeds_with_a_constant_number_of_statements(
    client: TestClient, session: Session, sql_log: list[str]
) -> None:
    make_agreements(session, 110, sectors=("energy",))
    include = ["parties", "signatories", "sectors", "visit", "citations"]
    counts = []
    for limit in (1, 100):
        sql_log.clear()
        body = client.get(URL, params={"include": include, "limit": limit}).json()
        assert len(body["items"]) == limit
        counts.append(len(sql_log))
    assert counts[0] == counts[1], counts
    row = client.get(
        URL, params={"include": include, "visit": "state-visit-to-lam-azerbaijan-2025", "limit": 1}
    ).json()
    item = row["items"][0]
    assert {"parties", "signatories", "sectors", "visit", "citations"} <= item.keys()
    assert item["citations"] and item["visit"]["id"] == "state-visit-to-lam-azerbaijan-2025"
    lean = client.get(URL, params={"limit": 1}).json()["items"][0]
    assert "parties" not in lean and "citations" not in lean


def _json_ids(client: TestClient, **params: object) -> list[str]:
    return [i["id"] for i in client.get(URL, params={**params, "limit": 100}).json()["items"]]


@pytest.mark.parametrize(
    "how", [{"params": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}]
)
def test_csv_download_is_rfc4180_with_the_same_ids(
    client: TestClient, session: Session, how: dict
) -> None:
    make_agreement(
        session, id="comma", title='Agreement, with "quotes", and commas', parties=("AZ", "TR")
    )
    response = client.get(
        URL, params={"country": "AZ", **how.get("params", {})}, headers=how.get("headers", {})
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.text.endswith("\r\n")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [r["id"] for r in rows] == _json_ids(client, country="AZ")
    assert list(rows[0]) == [
        "id",
        "title",
        "kind",
        "date",
        "date_precision",
        "year",
        "month",
        "day",
        "date_inferred",
        "party_codes",
        "party_names",
        "sectors",
        "sector_names",
        "visit_id",
        "inferred",
    ]
    comma = next(r for r in rows if r["id"] == "comma")
    assert comma["title"] == 'Agreement, with "quotes", and commas'
    assert comma["party_codes"] == "AZ; TR"
    assert comma["party_names"] == "Azerbaijan; Türkiye"
    energy = next(r for r in rows if r["id"] == "mou-energy-vn-az-2025")
    assert (energy["date"], energy["date_precision"]) == ("2025", "year")
    assert (energy["year"], energy["month"], energy["day"]) == ("2025", "", "")
    assert energy["date_inferred"] == "true" and energy["inferred"] == "date"
    assert "Energy" in energy["sector_names"].split("; ")


def test_csv_streams_every_match_not_one_page(client: TestClient, session: Session) -> None:
    made = {a.id for a in make_agreements(session, 1205)}
    response = client.get(URL, params={"format": "csv", "country": "FR"})
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == len({r["id"] for r in rows}) and made <= {r["id"] for r in rows}


def test_ndjson_download(client: TestClient) -> None:
    response = client.get(
        URL, params={"sector": "energy"}, headers={"Accept": "application/x-ndjson"}
    )
    assert response.headers["content-type"] == "application/x-ndjson"
    records = [orjson.loads(line) for line in response.text.splitlines()]
    assert [r["id"] for r in records] == _json_ids(client, sector="energy")
    page = client.get(URL, params={"sector": "energy", "limit": 100})
    assert records == page.json()["items"]  # each line is the list's item, as the list shows it


def test_bad_format_is_a_422(client: TestClient) -> None:
    assert_problem(client.get(URL, params={"format": "xlsx"}), 422, "format")


def test_as_of_answers_what_was_in_force(client: TestClient, session: Session) -> None:
    make_agreement(session, id="in-force", date="2009")
    make_event(session, "in-force", "entry-into-force", "2010-03")
    make_event(session, "in-force", "termination", "2015-06-30")
    assert _json_ids(client, as_of="2012-01-01") == ["in-force"]
    assert _json_ids(client, as_of="2010-02-28") == []
    assert _json_ids(client, as_of="2015-07-01") == []
    assert _json_ids(client, as_of="2026-01-01") == []  # nothing curated records entry into force


def test_detail_lists_each_partys_action_with_citations(client: TestClient) -> None:
    events = client.get(f"{URL}/mou-energy-vn-az-2025").json()["events"]
    assert {(e["action"], e["country_id"]) for e in events} == {
        ("signature", "VN"),
        ("signature", "AZ"),
    }
    assert all(e["citations"] and e["date"] == "2025" and e["date_inferred"] for e in events)

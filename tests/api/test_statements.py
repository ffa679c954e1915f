"""GET /api/v1/statements and /statements/{id}: what the parties say, as data."""

import csv
import io

from fastapi.testclient import TestClient

from tests.problems import assert_problem

URL = "/api/v1/statements"


def ids(client: TestClient, **params: object) -> list[str]:
    response = client.get(URL, params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


def test_what_azerbaijan_said_of_logistics(client: TestClient) -> None:
    assert ids(client, country="AZ", sector="logistics") == ["aliyev-education-logistics-2025"]


def test_repeated_countries_find_joint_statements(client: TestClient) -> None:
    joint = set(ids(client, country=["VN", "AZ"]))
    assert {"multilateral-support-pledge-2025", "east-sea-position-2025"} <= joint
    assert "aliyev-meaningful-step-2025" not in joint  # Azerbaijan's alone
    assert "aliyev-meaningful-step-2025" in ids(client, country="aze")


def test_a_sector_includes_its_sub_sectors(client: TestClient) -> None:
    assert "to-lam-defence-crime-2025" in ids(client, sector="security")  # transnational crime


def test_kind_speaker_visit_and_dates(client: TestClient) -> None:
    assert ids(client, kind="pledge") == ["multilateral-support-pledge-2025"]
    by_lam = ids(client, speaker="to-lam", sort="title")
    assert "to-lam-progress-2025" in by_lam and "aliyev-meaningful-step-2025" not in by_lam
    at_baku = set(ids(client, visit="state-visit-to-lam-azerbaijan-2025"))
    assert "socar-joint-energy-projects" not in at_baku  # the commentary's, undated
    assert "socar-joint-energy-projects" not in ids(client, date_from="2025")


def test_unknown_ids_in_filters_are_named_422s(client: TestClient) -> None:
    problem = assert_problem(client.get(URL, params={"speaker": "nobody-at-all"}), 422)
    assert problem["errors"][0]["parameter"] == "speaker"
    assert_problem(client.get(URL, params={"sector": "no-such-sector"}), 422)


def test_a_statement_with_its_sources(client: TestClient) -> None:
    body = client.get(f"{URL}/east-sea-position-2025").json()
    assert body["kind"] == "position" and body["country_ids"] == ["AZ", "VN"]
    assert [r["id"] for r in body["references"]] == ["unclos-1982"]
    assert body["provenance"]["kind"]["basis"] == "inferred"
    assert body["date_inferred"] and body["date"] == "2025"
    fields = {c["field"] for c in body["citations"]}
    assert {"countries", "references", "sectors", "date"} <= fields
    assert client.get(f"{URL}/no-such-statement").status_code == 404


def test_search_finds_what_the_parties_said(client: TestClient) -> None:
    for q, expected in (
        ("logistics", ("statement", "aliyev-education-logistics-2025")),
        ("CICA", ("statement", "multilateral-support-pledge-2025")),
        ("cybercrime", ("statement", "to-lam-defence-crime-2025")),
        ("friendship association", ("statement", "az-friendship-associations-2025")),
        ("UN Charter", ("agreement", "un-charter")),
    ):
        hits = client.get("/api/v1/search", params={"q": q}).json()["items"]
        assert expected in [(h["kind"], h["id"]) for h in hits], q


def test_relations_list_the_statements_and_the_latest_contact_is_the_visit(
    client: TestClient,
) -> None:
    body = client.get("/api/v1/relations/VN/AZ").json()
    said = [s["id"] for s in body["statements"]]
    assert {"aliyev-education-logistics-2025", "principles-un-charter"} <= set(said)
    assert body["latest_contact"]["id"] == "state-visit-to-lam-azerbaijan-2025"
    timeline = client.get("/api/v1/timeline", params={"country": ["VN", "AZ"], "limit": 100})
    entries = {(e["kind"], e["id"]): e["url"] for e in timeline.json()["items"]}
    assert entries[("statement", "to-lam-confidence-2025")] == f"{URL}/to-lam-confidence-2025"


def test_the_csv_download_has_the_declared_columns(client: TestClient) -> None:
    response = client.get(f"{URL}.csv", params={"kind": "plan", "sort": "title"})
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert rows[0].keys() >= {"id", "title", "kind", "country_ids", "sector_ids", "year"}
    assert {r["id"] for r in rows} >= {"vn-more-students-2025", "az-friendship-associations-2025"}

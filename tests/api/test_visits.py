"""GET /api/v1/visits and /visits/{id}."""

import pytest
from fastapi.testclient import TestClient

from tests.problems import assert_problem

URL = "/api/v1/visits"
ALL = [
    "state-visit-to-lam-azerbaijan-2025",
    "visit-vice-president-of-vietnam-azerbaijan-2019",
    "visit-president-of-vietnam-azerbaijan-2015",
    "official-visit-ilham-aliyev-vietnam-2014",
    "official-visit-heydar-aliyev-vietnam-1983",
    "visit-ho-chi-minh-azerbaijan-1959",
]


def ids(client: TestClient, query: str = "") -> list[str]:
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 200, response.text
    return [v["id"] for v in response.json()["items"]]


def test_every_visit_newest_first(client: TestClient) -> None:
    assert ids(client) == ALL
    assert ids(client, "sort=date") == ALL[::-1]


def test_host_and_guest_with_predecessors(client: TestClient) -> None:
    to_azerbaijan = ids(client, "host=AZ")
    assert "visit-ho-chi-minh-azerbaijan-1959" in to_azerbaijan  # hosted by the Azerbaijan SSR
    assert "official-visit-ilham-aliyev-vietnam-2014" not in to_azerbaijan
    assert ids(client, "guest=aze") == ["official-visit-ilham-aliyev-vietnam-2014"]
    assert set(ids(client, "country=VN")) == set(ALL)


def test_date_range_and_q(client: TestClient) -> None:
    assert ids(client, "date_from=1959&date_to=1990") == ALL[-2:]
    assert ids(client, "q=HO CHI MINH") == ["visit-ho-chi-minh-azerbaijan-1959"]
    assert ids(client, "q=hồ chí minh") == ["visit-ho-chi-minh-azerbaijan-1959"]


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("host=ZZZ", "host"),
        ("guest=", "guest"),
        ("date_to=20251", "date_to"),
        ("sort=date,id", "sort"),
    ],
)
def test_bad_parameters(client: TestClient, query: str, parameter: str) -> None:
    assert_problem(client.get(f"{URL}?{query}"), 422, parameter)


def test_detail_lists_what_was_signed_with_sources(client: TestClient) -> None:
    body = client.get(f"{URL}/state-visit-to-lam-azerbaijan-2025").json()
    assert body["host_country"]["id"] == "AZ" and body["guest"]["id"] == "to-lam"
    assert {a["id"] for a in body["agreements"]} >= {
        "mou-energy-vn-az-2025",
        "strategic-partnership-declaration-vn-az-2025",
    }
    assert all(a["visit_id"] == body["id"] for a in body["agreements"])
    assert body["citations"] and body["date_inferred"] is True
    assert {d["field"] for d in body["discrepancies"]} >= {"documents_signed_count", "first_visit"}


def test_unknown_visit_is_a_404(client: TestClient) -> None:
    assert_problem(client.get(f"{URL}/nowhere"), 404)


def test_inferred_countries_are_flagged_where_they_stand(client: TestClient) -> None:
    """The 1959 visit's guest (the DRV) and host (the Azerbaijan SSR) are the curators'
    reading; the 2025 visit's host is stated by a quote."""
    body = client.get(f"{URL}/visit-ho-chi-minh-azerbaijan-1959").json()
    assert (body["guest_country_id"], body["host_country_id"]) == ("VDVN", "azerbaijan-ssr")
    for field in ("guest_country_id", "host_country_id"):
        assert body["provenance"][field]["basis"] == "inferred"
        assert body["provenance"][field]["reason"]
    assert body["provenance"]["city"]["basis"] == "cited"
    assert any(c["field"] == "city" for c in body["citations"])
    listed = client.get(URL, params={"date_to": "1959"}).json()["items"]
    assert listed[0]["provenance"]["guest_country_id"]["basis"] == "inferred"  # in lists too
    today = client.get(f"{URL}/state-visit-to-lam-azerbaijan-2025").json()
    (cited,) = [c["id"] for c in today["citations"] if c["field"] == "host_country"]
    assert today["provenance"]["host_country_id"] == {"basis": "cited", "citations": [cited]}
    assert today["provenance"]["date"]["basis"] == "inferred"


def test_the_ceremony_year_is_one_explicit_ambiguity(client: TestClient) -> None:
    body = client.get(f"{URL}/state-visit-to-lam-azerbaijan-2025").json()
    discrepancies = {d["id"]: d for d in body["discrepancies"]}
    assert discrepancies["baku-ceremony-year"]["field"] == "date"
    sectors = discrepancies["baku-documents-sectors"]["readings"]
    assert any("agriculture" in r["quote"] for r in sectors)

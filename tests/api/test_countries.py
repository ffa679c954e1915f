"""GET /api/v1/countries and /countries/{code}."""

import pytest
from fastapi.testclient import TestClient

from tests.problems import assert_problem

URL = "/api/v1/countries"


@pytest.mark.parametrize("code", ["VN", "vn", "VNM", "vnm", "Vnm"])
def test_lookup_by_alpha2_or_alpha3_in_any_case(client: TestClient, code: str) -> None:
    body = client.get(f"{URL}/{code}").json()
    assert (body["id"], body["alpha2"], body["alpha3"]) == ("VN", "VN", "VNM")
    assert "Viet Nam" in [body["name"], body["official_name"], *body["aliases"]]


def test_every_iso_country_is_listed(client: TestClient) -> None:
    body = client.get(URL, params={"historical": "false", "limit": 1}).json()
    assert body["total"] == 249


def test_historical_entity_links_to_its_successor(client: TestClient) -> None:
    ssr = client.get(f"{URL}/azerbaijan-ssr").json()
    assert ssr["is_historical"] is True
    assert ssr["successor"]["id"] == "AZ" and ssr["part_of"]["id"] == "SUHH"
    assert ssr["citations"]
    azerbaijan = client.get(f"{URL}/AZ").json()
    assert "azerbaijan-ssr" in [p["id"] for p in azerbaijan["predecessors"]]


def test_current_country_wins_a_code_shared_with_a_historical_one(client: TestClient) -> None:
    assert client.get(f"{URL}/SU").json()["id"] == "SUHH"  # only the USSR ever had SU
    assert client.get(f"{URL}/VD").json()["id"] == "VDVN"


def test_q_finds_names_and_aliases(client: TestClient) -> None:
    found = [c["id"] for c in client.get(URL, params={"q": "viet nam"}).json()["items"]]
    assert "VN" in found


@pytest.mark.parametrize("code", ["XX", "XXX", "zz", "a" * 40])
def test_unknown_code_is_a_404(client: TestClient, code: str) -> None:
    assert_problem(client.get(f"{URL}/{code}"), 404)


def test_crosswalk_ids(client: TestClient) -> None:
    assert [c["id"] for c in client.get(URL, params={"wikidata": "Q881"}).json()["items"]] == ["VN"]
    ids = client.get(f"{URL}/VN").json()["external_ids"]
    assert ids == {
        "iso3166_alpha2": "VN",
        "iso3166_alpha3": "VNM",
        "iso3166_numeric": "704",
        "wikidata": "Q881",
    }
    assert_problem(client.get(URL, params={"wikidata": "881"}), 422, "wikidata")

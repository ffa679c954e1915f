"""GET /api/v1/countries and /countries/{code}."""

import pycountry
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
    assert body["total"] == len(pycountry.countries)


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


@pytest.mark.parametrize(
    ("q", "code"),
    [
        ("Azərbaycan", "AZ"),  # Azerbaijani
        ("azerbaycan", "AZ"),  # accents optional, as everywhere
        ("Вьетнам", "VN"),  # Russian
        ("越南", "VN"),  # Chinese
        ("Viêt Nam", "VN"),  # French
        ("Azerbaiyán", "AZ"),  # Spanish
    ],
)
def test_names_in_other_languages_are_searchable(client: TestClient, q: str, code: str) -> None:
    found = [c["id"] for c in client.get(URL, params={"q": q, "limit": 100}).json()["items"]]
    assert code in found


def test_names_by_language_are_reference_data(client: TestClient) -> None:
    body = client.get(f"{URL}/AZ").json()
    assert body["names"]["az"] == "Azərbaycan" and body["names"]["ru"] == "Азербайджан"
    assert {"vi", "az", "ar", "zh", "en", "fr", "ru", "es"} <= set(body["names"])
    provenance = body["provenance"]
    assert provenance["names"]["basis"] == provenance["name"]["basis"] == "reference"
    assert "ISO 3166" in provenance["name"]["dataset"]
    assert provenance["external_ids[wikidata]"]["basis"] == "reference"
    assert "Wikidata" in provenance["external_ids[wikidata]"]["dataset"]


def test_curated_aliases_are_cited_iso_ones_reference(client: TestClient) -> None:
    body = client.get(f"{URL}/VN").json()
    assert "Việt Nam" in body["aliases"]
    cited = body["provenance"]["aliases[Việt Nam]"]
    quotes = {c["id"]: c["quote"] for c in body["citations"]}
    assert cited["basis"] == "cited" and all("Việt Nam" in quotes[i] for i in cited["citations"])
    assert body["provenance"]["aliases[Socialist Republic of Viet Nam]"]["basis"] == "reference"


def test_historical_dates_no_source_states_are_labelled(client: TestClient) -> None:
    ssr = client.get(f"{URL}/azerbaijan-ssr").json()
    assert ssr["valid_from"] == "1920"
    assert ssr["provenance"]["valid_from"]["basis"] == "reference"
    assert ssr["provenance"]["successor_id"]["basis"] == "inferred"
    assert ssr["official_name"] is None and ssr["aliases"] == []

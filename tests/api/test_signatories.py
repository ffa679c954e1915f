"""GET /api/v1/signatories and /signatories/{id}."""

from fastapi.testclient import TestClient

from tests.problems import assert_problem

URL = "/api/v1/signatories"


def ids(client: TestClient, query: str = "") -> list[str]:
    response = client.get(f"{URL}?{query}&limit=100")
    assert response.status_code == 200, response.text
    return [s["id"] for s in response.json()["items"]]


def test_filters(client: TestClient) -> None:
    assert "petrovietnam" in ids(client, "country=VN")
    assert "petrovietnam" not in ids(client, "country=AZ")
    assert set(ids(client, "kind=person")) >= {"to-lam", "ilham-aliyev", "ho-chi-minh"}
    assert ids(client, "q=to lam") == ids(client, "q=TÔ LÂM")
    assert "to-lam" in ids(client, "q=to lam")
    assert ids(client, "q=dung quat") == ids(client, "q=Dung Quất") != []


def test_bad_kind_is_a_422(client: TestClient) -> None:
    assert_problem(client.get(f"{URL}?kind=robot"), 422, "kind")


def test_detail(client: TestClient) -> None:
    body = client.get(f"{URL}/az-ministry-of-economy").json()
    assert body["country"]["id"] == "AZ"
    assert body["agreement_ids"] == [
        "mou-crude-oil-supply-binh-son-az-ministry-of-economy-2025",
        "mou-oil-gas-petrovietnam-az-ministry-of-economy-2025",
    ]
    assert body["citations"]


def test_unknown_signatory_is_a_404(client: TestClient) -> None:
    assert_problem(client.get(f"{URL}/nobody"), 404)


def test_crosswalk_ids(client: TestClient) -> None:
    found = client.get(URL, params={"wikidata": "Q36014"}).json()["items"]
    assert [s["id"] for s in found] == ["ho-chi-minh"]
    assert client.get(f"{URL}/ho-chi-minh").json()["external_ids"] == {"wikidata": "Q36014"}


def test_wikidata_id_is_labelled_reference_data(client: TestClient) -> None:
    body = client.get(f"{URL}/ho-chi-minh").json()
    assert body["external_ids"]["wikidata"] == "Q36014"
    wikidata = body["provenance"]["external_ids[wikidata]"]
    assert wikidata["basis"] == "reference" and "Wikidata" in wikidata["dataset"]
    assert body["provenance"]["country_id"]["basis"] == "inferred"


def test_aliases_are_names_the_sources_use(client: TestClient) -> None:
    """No alias that no source uses (the old "Binh Son", "General Secretary Tô Lâm")."""
    texts = [
        client.get(f"/api/v1/sources/{s['id']}").json()["text"]
        for s in client.get("/api/v1/sources").json()["items"]
    ]
    for signatory in ("binh-son-refining-and-petrochemical", "to-lam", "az-ministry-of-economy"):
        for alias in client.get(f"{URL}/{signatory}").json()["aliases"]:
            assert any(alias in text for text in texts), (signatory, alias)

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
    assert len(body["agreement_ids"]) == 2
    assert body["citations"]


def test_unknown_signatory_is_a_404(client: TestClient) -> None:
    assert_problem(client.get(f"{URL}/nobody"), 404)


def test_crosswalk_ids(client: TestClient) -> None:
    found = client.get(URL, params={"wikidata": "Q36014"}).json()["items"]
    assert [s["id"] for s in found] == ["ho-chi-minh"]
    assert client.get(f"{URL}/ho-chi-minh").json()["external_ids"] == {"wikidata": "Q36014"}

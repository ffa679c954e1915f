"""GET /api/v1/sectors and /sectors/{id}."""

from fastapi.testclient import TestClient

from tests.problems import assert_problem

URL = "/api/v1/sectors"


def test_counts_include_sub_sectors(client: TestClient) -> None:
    counts = {s["id"]: s["agreement_count"] for s in client.get(URL).json()["items"]}
    energy = client.get("/api/v1/agreements", params={"sector": "energy"}).json()["total"]
    oil = client.get("/api/v1/agreements", params={"sector": "oil-and-gas"}).json()["total"]
    assert counts["energy"] == energy >= oil == counts["oil-and-gas"] > 0


def test_children_of_a_parent(client: TestClient) -> None:
    children = [s["id"] for s in client.get(URL, params={"parent": "energy"}).json()["items"]]
    assert "oil-and-gas" in children
    assert all(s != "energy" for s in children)
    assert_problem(client.get(URL, params={"parent": "nope"}), 422, "parent")


def test_detail_places_it_in_the_tree(client: TestClient) -> None:
    body = client.get(f"{URL}/oil-and-gas").json()
    assert body["ancestors"] == ["energy"] and body["parent_id"] == "energy"
    assert "oil-and-gas" in client.get(f"{URL}/energy").json()["children"]


def test_unknown_sector_is_a_404(client: TestClient) -> None:
    assert_problem(client.get(f"{URL}/nope"), 404)

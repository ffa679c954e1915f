"""GET /api/v1/bodies and /bodies/{id}: standing bodies such as an intergovernmental committee."""

from fastapi.testclient import TestClient

from tests.problems import assert_problem

URL = "/api/v1/bodies"
COMMITTEE = "intergovernmental-committee-vn-az"


def test_search_finds_the_intergovernmental_committee(client: TestClient) -> None:
    hits = client.get("/api/v1/search", params={"q": "intergovernmental"}).json()["items"]
    committee = next(h for h in hits if h["id"] == COMMITTEE)
    assert committee["kind"] == "body" and committee["url"] == f"{URL}/{COMMITTEE}"
    assert client.get(committee["url"]).status_code == 200


def test_committee_or_commission_is_a_recorded_discrepancy(client: TestClient) -> None:
    body = client.get(f"{URL}/{COMMITTEE}").json()
    assert [c["id"] for c in body["countries"]] == ["AZ", "VN"]
    assert "intergovernmental commission" in body["aliases"]
    (naming,) = body["discrepancies"]
    assert {r["source"] for r in naming["readings"]} == {
        "vns-baku-signing-ceremony-2025",
        "commentary-az-vn-strategic-partnership",
    }
    assert any("roadmap" in c["quote"] for c in body["citations"])
    assert body["date"] is None  # when it was set up: not stated


def test_list_filters_by_member_country_and_kind(client: TestClient) -> None:
    ids = [b["id"] for b in client.get(URL, params={"country": "aze"}).json()["items"]]
    assert COMMITTEE in ids
    assert client.get(URL, params={"country": "FR"}).json()["items"] == []
    kind = client.get(URL, params={"kind": "intergovernmental-committee"}).json()["items"]
    assert COMMITTEE in [b["id"] for b in kind]


def test_bad_input(client: TestClient) -> None:
    assert_problem(client.get(f"{URL}/no-such-body"), 404)
    assert_problem(client.get(URL, params={"country": "XX"}), 422, "country")
    assert_problem(client.get(URL, params={"kind": "club"}), 422, "kind")

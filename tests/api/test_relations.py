"""GET /api/v1/relations/{a}/{b} and /api/v1/timeline."""

import pytest
from fastapi.testclient import TestClient

from tests.problems import assert_problem


def test_viet_nam_azerbaijan_relations_from_1959_to_the_partnership(client: TestClient) -> None:
    body = client.get("/api/v1/relations/vn/AZE").json()
    assert [c["id"] for c in body["countries"]] == ["VN", "AZ"]
    assert body["first_contact"]["date"] == "1959"
    assert body["first_contact"]["id"] == "visit-ho-chi-minh-azerbaijan-1959"
    assert body["diplomatic_relations"]["date"] == "1992"
    assert body["diplomatic_relations"]["citations"]
    partnership = body["partnership"]
    assert partnership["kind"] == "strategic-partnership" and partnership["date"] == "2025"
    assert partnership["agreement_id"] == "strategic-partnership-declaration-vn-az-2025"
    assert partnership["date_inferred"] and partnership["citations"]
    to_az = [v["id"] for v in body["visits_from_first"]]
    to_vn = [v["id"] for v in body["visits_from_second"]]
    assert to_az[0] == "visit-ho-chi-minh-azerbaijan-1959" and len(to_az) == 4
    assert to_vn == [
        "official-visit-heydar-aliyev-vietnam-1983",
        "official-visit-ilham-aliyev-vietnam-2014",
    ]
    assert all(v["citations"] for v in body["visits_from_first"] + body["visits_from_second"])
    sectors = {b["value"]: b["count"] for b in body["agreements_by_sector"]}
    assert sectors["energy"] == 3
    assert body["agreements_by_year"] == [
        {"value": "1959", "count": 1},
        {"value": "2025", "count": 8},
    ]
    assert body["agreements_total"] == 9 and all(a["citations"] for a in body["agreements"])


def test_relations_read_the_same_both_ways(client: TestClient) -> None:
    ab = client.get("/api/v1/relations/VN/AZ").json()
    ba = client.get("/api/v1/relations/AZ/VN").json()
    assert ab["visits_from_first"] == ba["visits_from_second"]
    assert ab["agreements_total"] == ba["agreements_total"]


def test_pair_with_no_records(client: TestClient) -> None:
    body = client.get("/api/v1/relations/FR/NZ").json()
    assert body["agreements_total"] == 0 and body["first_contact"] is None


@pytest.mark.parametrize("path", ["/api/v1/relations/XX/AZ", "/api/v1/relations/VN/QQQ"])
def test_unknown_country_is_a_404(client: TestClient, path: str) -> None:
    assert_problem(client.get(path), 404)


def test_timeline_merges_everything_in_order(client: TestClient) -> None:
    items = client.get("/api/v1/timeline", params={"country": ["VN", "AZ"], "limit": 100}).json()[
        "items"
    ]
    dates = [i["date"][:4] for i in items]
    assert dates == sorted(dates)
    assert {i["kind"] for i in items} == {"agreement", "visit", "relation"}
    assert items[0]["date"] == "1959"
    for item in items:
        assert client.get(item["url"]).status_code == 200


def test_timeline_of_one_country_and_a_range(client: TestClient) -> None:
    body = client.get("/api/v1/timeline", params={"country": "AZ", "date_to": "1999"}).json()
    assert [i["id"] for i in body["items"]] == [
        "visit-ho-chi-minh-azerbaijan-1959",
        "agreement-vietnamese-students-azerbaijan-ssr-1959",
        "official-visit-heydar-aliyev-vietnam-1983",
        "diplomatic-relations-vn-az-1992",
    ]


def test_timeline_needs_a_country(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/timeline"), 422, "country")
    assert_problem(client.get("/api/v1/timeline?country=VN&country=AZ&country=FR"), 422, "country")

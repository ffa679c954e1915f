"""GET /api/v1/search: one query across every kind."""

import pytest
from fastapi.testclient import TestClient

from tests.problems import assert_problem

URL = "/api/v1/search"


def test_hits_say_their_kind_and_link_to_the_record(client: TestClient) -> None:
    items = client.get(URL, params={"q": "binh son"}).json()["items"]
    kinds = {(i["kind"], i["id"]) for i in items}
    assert ("signatory", "binh-son-refining-and-petrochemical") in kinds
    assert ("agreement", "mou-crude-oil-supply-binh-son-az-ministry-of-economy-2025") in kinds
    for item in items:
        assert client.get(item["url"]).status_code == 200


def test_kind_filter_and_paging(client: TestClient) -> None:
    everything = client.get(URL, params={"q": "azerbaijan", "limit": 100}).json()
    only_visits = client.get(URL, params={"q": "azerbaijan", "kind": "visit"}).json()
    assert {i["kind"] for i in only_visits["items"]} == {"visit"}
    assert only_visits["total"] < everything["total"]
    first = client.get(URL, params={"q": "azerbaijan", "limit": 3})
    assert 'rel="next"' in first.headers["link"]


@pytest.mark.parametrize("params", [{}, {"q": ""}, {"q": "x" * 201}, {"q": "a", "kind": "cat"}])
def test_bad_queries_are_422(client: TestClient, params: dict) -> None:
    assert_problem(client.get(URL, params=params), 422)


@pytest.mark.parametrize("q", ["%", "_", "\\", "'", "🇦🇿", "ß"])
def test_hostile_q_never_fails(client: TestClient, q: str) -> None:
    assert client.get(URL, params={"q": q}).status_code == 200

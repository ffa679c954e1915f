"""`facets=` on every list with something to count: one implementation, whose counts agree
with the list's own filters (a value's count is the total of the list filtered by it)."""

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.problems import assert_problem

FILTERED_BY: dict[str, dict[str, Any]] = {
    "/api/v1/visits": {
        "country": lambda v: {"country": v},
        "host": lambda v: {"host": v},
        "guest": lambda v: {"guest": v},
        "year": lambda v: {"date_from": v, "date_to": v},
    },
    "/api/v1/statements": {
        "country": lambda v: {"country": v},
        "sector": lambda v: {"sector": v},
        "kind": lambda v: {"kind": v},
        "year": lambda v: {"date_from": v, "date_to": v},
    },
    "/api/v1/signatories": {"country": lambda v: {"country": v}, "kind": lambda v: {"kind": v}},
    "/api/v1/bodies": {"country": lambda v: {"country": v}, "kind": lambda v: {"kind": v}},
    "/api/v1/agreements": {
        "country": lambda v: {"country": v},
        "sector": lambda v: {"sector": v},
        "kind": lambda v: {"kind": v},
        "year": lambda v: {"date_from": v, "date_to": v},
    },
}
"""For each list, each facet that a filter matches, and that filter for one value."""


def facets(client: TestClient, path: str, names: list[str], **params: Any) -> dict:
    response = client.get(path, params={**params, "facets": ",".join(names)})
    assert response.status_code == 200, response.text
    return response.json()["facets"]


@pytest.mark.parametrize("path", FILTERED_BY)
def test_a_values_count_is_the_total_of_the_list_filtered_by_it(
    client: TestClient, path: str
) -> None:
    counted = facets(client, path, list(FILTERED_BY[path]))
    for name, filtered in FILTERED_BY[path].items():
        assert counted[name], (path, name)
        for entry in counted[name]:
            total = client.get(path, params=filtered(entry["value"])).json()["total"]
            assert entry["count"] == total, (path, name, entry)


def test_facets_count_within_the_filters(client: TestClient) -> None:
    by_host = facets(client, "/api/v1/visits", ["host", "year"], guest="VN")
    assert "AZ" in {e["value"] for e in by_host["host"]}
    assert "2025" in {e["value"] for e in by_host["year"]}
    said = facets(client, "/api/v1/statements", ["sector"], country="AZ")
    assert "logistics" in {e["value"] for e in said["sector"]}
    # a sub-sector rolls up into its parent, as the sector filter matches it
    assert "energy" in {e["value"] for e in said["sector"]}


def test_sources_count_their_kinds_and_languages(client: TestClient) -> None:
    counted = facets(client, "/api/v1/sources", ["kind", "language"])
    assert {e["value"] for e in counted["language"]} >= {"en"}
    assert sum(e["count"] for e in counted["kind"]) == client.get("/api/v1/sources").json()["total"]


def test_a_facet_a_list_cannot_count_is_a_422_naming_the_choices(client: TestClient) -> None:
    body = assert_problem(client.get("/api/v1/visits?facets=sector"), 422, "facets")
    assert "country, host, guest, kind, year" in body["detail"]


def test_no_facets_asked_none_given(client: TestClient) -> None:
    assert "facets" not in client.get("/api/v1/visits").json()

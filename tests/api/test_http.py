"""HTTP manners shared by every resource: ETag/304, caching, CORS, gzip, errors."""

import pytest
from fastapi.testclient import TestClient

from app.api.deps import get_session
from app.config import Settings
from app.main import create_app
from tests.problems import assert_problem

PATHS = [
    "/api/v1/agreements",
    "/api/v1/agreements/mou-energy-vn-az-2025",
    "/api/v1/countries/VN",
    "/api/v1/visits",
    "/api/v1/sectors/energy",
    "/api/v1/signatories/to-lam",
    "/api/v1/sources",
    "/api/v1/search?q=baku",
    "/health",
]


@pytest.mark.parametrize("path", PATHS)
def test_etag_round_trip(client: TestClient, path: str) -> None:
    first = client.get(path)
    etag = first.headers["etag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert "max-age" in first.headers["cache-control"]
    again = client.get(path, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


def test_etag_changes_with_the_representation(client: TestClient) -> None:
    a = client.get("/api/v1/agreements?limit=1").headers["etag"]
    b = client.get("/api/v1/agreements?limit=2").headers["etag"]
    assert a != b


def test_cors_for_get(client: TestClient) -> None:
    response = client.get("/api/v1/agreements", headers={"Origin": "https://example.org"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "link" in response.headers["access-control-expose-headers"].lower()


def test_gzip_for_large_bodies(client: TestClient) -> None:
    response = client.get("/api/v1/countries?limit=100", headers={"Accept-Encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"


def test_unknown_path_and_method(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/treaties"), 404)
    assert_problem(client.put("/api/v1/agreements/mou-energy-vn-az-2025", json={}), 405)
    assert_problem(client.post("/api/v1/countries", json={}), 405)


def test_server_errors_hide_the_traceback(db_url: str) -> None:
    app = create_app(Settings(database_url=db_url))

    def broken_session():  # type: ignore[no-untyped-def]
        raise RuntimeError("secret internals")

    app.dependency_overrides[get_session] = broken_session
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/api/v1/agreements")
    body = assert_problem(response, 500)
    assert "secret" not in response.text and "RuntimeError" not in response.text
    assert body["title"] == "Internal server error"
    app.state.engine.dispose()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/agreements",
        "/api/v1/visits",
        "/api/v1/countries",
        "/api/v1/signatories",
        "/api/v1/sectors",
        "/api/v1/sources",
        "/api/v1/search?q=azerbaijan",
        "/api/v1/timeline?country=AZ",
    ],
)
def test_total_counts_every_item_of_the_walk(client: TestClient, path: str) -> None:
    seen: list[str] = []
    url: str | None = path + ("&" if "?" in path else "?") + "limit=100"
    total = client.get(url).json()["total"]
    while url:
        response = client.get(url)
        seen += [item["id"] for item in response.json()["items"]]
        url = response.links.get("next", {}).get("url")
    assert len(seen) == len(set(seen)) == total > 0

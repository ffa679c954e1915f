"""HTTP manners shared by every resource: ETag/304, caching, CORS, gzip, errors."""

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.api.deps import get_session
from app.config import Settings
from app.curation.keys import create_key
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


def test_a_gzipped_answer_has_an_etag_of_its_own_and_its_304_the_same_vary(
    client: TestClient,
) -> None:
    url = "/api/v1/agreements?limit=20"
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    gzipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert gzipped.headers["content-encoding"] == "gzip"
    assert gzipped.headers["etag"] != plain.headers["etag"]
    for first, coding in ((plain, "identity"), (gzipped, "gzip")):
        again = client.get(
            url, headers={"Accept-Encoding": coding, "If-None-Match": first.headers["etag"]}
        )
        assert again.status_code == 304, coding
        assert again.headers["vary"] == first.headers["vary"], coding
        assert "Accept-Encoding" in again.headers["vary"]


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_probes_are_never_stored(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.headers["cache-control"] == "no-store"
    assert "etag" not in answer.headers


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


def test_gzip_only_for_clients_that_accept_it(
    client: TestClient,
) -> None:
    url = "/api/v1/countries?limit=100"
    zipped = client.get(url, headers={"Accept-Encoding": "gzip"})
    plain = client.get(url, headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers
    for response in (zipped, plain):  # either way, what came depended on Accept-Encoding
        assert "Accept-Encoding" in [v.strip() for v in response.headers["vary"].split(",")]
    small = client.get("/health", headers={"Accept-Encoding": "gzip"})
    assert "content-encoding" not in small.headers  # too small to be worth it
    assert "accept-encoding" not in small.headers["vary"].lower()
    assert int(zipped.headers["content-length"]) < int(plain.headers["content-length"])
    assert zipped.content == plain.content  # as decoded by the client


def test_head_gives_the_headers_of_the_get_it_stands_for(client: TestClient) -> None:
    url = "/api/v1/countries?limit=100"
    for encoding in ("gzip", "identity"):
        get = client.get(url, headers={"Accept-Encoding": encoding})
        head = client.head(url, headers={"Accept-Encoding": encoding})
        assert head.content == b""
        for name in ("content-length", "content-encoding", "etag", "vary", "cache-control"):
            assert head.headers.get(name) == get.headers.get(name), (encoding, name)


def test_cors_preflight(client: TestClient) -> None:
    asked = {"Origin": "https://example.org", "Access-Control-Request-Method": "PATCH"}
    allowed = client.options("/api/v1/agreements/mou-energy-vn-az-2025", headers=asked)
    assert allowed.status_code == 200
    assert "PATCH" in allowed.headers["access-control-allow-methods"]
    assert allowed.headers["access-control-max-age"] == "3600"
    assert allowed.headers["x-content-type-options"] == "nosniff"
    assert len(allowed.headers["x-request-id"]) == 32
    refused = client.options(
        "/api/v1/agreements", headers={**asked, "Access-Control-Request-Method": "PUT"}
    )
    assert refused.status_code == 400 and refused.text == "Disallowed CORS method"


def test_a_browser_client_may_send_and_read_the_headers_the_api_uses(client: TestClient) -> None:
    sent = ["X-Request-ID", "If-None-Match", "If-Match", "Authorization", "Content-Type"]
    preflight = client.options(
        "/api/v1/agreements/mou-energy-vn-az-2025",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "PATCH",
            "Access-Control-Request-Headers": ", ".join(sent).lower(),
        },
    )
    assert preflight.status_code == 200, preflight.text
    allowed = preflight.headers["access-control-allow-headers"].lower()
    assert all(name.lower() in allowed for name in sent)
    got = client.get("/api/v1/countries/VN", headers={"Origin": "https://example.org"})
    exposed = got.headers["access-control-expose-headers"].lower()
    for name in ("ETag", "Link", "X-Request-ID", "Retry-After", "X-Change-Position"):
        assert name.lower() in exposed, name


def test_every_response_varies_by_origin(client: TestClient) -> None:
    """As Starlette's CORS middleware says: the same URL answers with or without CORS
    headers, so caches keep the two apart."""
    for path in ("/api/v1/agreements", "/api/v1/treaties", "/health", "/docs"):
        vary = [v.strip() for v in client.get(path).headers["vary"].split(",")]
        assert vary.count("Origin") == 1, path


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


def get_routes(client: TestClient) -> list[str]:
    """A concrete URL for every GET route of the spec (path parameters from their examples,
    required query parameters too), plus the pages outside it."""
    spec = client.get("/openapi.json").json()
    urls = ["/", "/docs", "/redoc", "/openapi.json", "/problems", "/problems/not-found"]
    for path, item in spec["paths"].items():
        if "get" not in item:
            continue
        url, query = path, []
        for parameter in item["get"].get("parameters", []):
            example = parameter.get("example", parameter["schema"].get("examples", [None])[0])
            if parameter["in"] == "path":
                url = url.replace("{" + parameter["name"] + "}", str(example))
            elif parameter["required"]:
                values = example if isinstance(example, list) else [example]
                query += [f"{parameter['name']}={v}" for v in values]
        urls.append(url + ("?" + "&".join(query) if query else ""))
    return urls


def test_head_answers_wherever_get_does(client: TestClient, session: Session) -> None:
    """`curl -I` on every GET route: 200, the GET's headers, no body."""
    admin = {"Authorization": f"Bearer {create_key(session, 'head-admin', 'admin')[1]}"}
    urls = get_routes(client)
    assert "/health" in urls and "/api/v1/agreements.csv" in urls
    for url in urls:
        get = client.get(url, headers=admin)
        head = client.head(url, headers=admin)
        assert (url, head.status_code) == (url, 200), head.text
        assert head.content == b""
        assert head.headers["content-type"] == get.headers["content-type"]
        assert head.headers.get("etag") == get.headers.get("etag"), url


def test_head_of_a_download_reads_no_rows(client: TestClient, sql_log: list[str]) -> None:
    client.head("/api/v1/agreements.ndjson")
    assert not [s for s in sql_log if "FROM agreements" in s and "LIMIT" in s]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/csv;q=0, application/json", "application/json"),
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/json"),
        ("text/csv", "text/csv"),
        ("application/json;q=0.5, text/csv", "text/csv"),
        ("application/x-ndjson", "application/x-ndjson"),
    ],
)
def test_accept_is_negotiated_by_q_value(client: TestClient, accept: str, expected: str) -> None:
    response = client.get("/api/v1/agreements?country=AZ", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(expected)
    assert "accept" in response.headers["vary"].lower()


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/agreements",
        "/api/v1/agreements/mou-energy-vn-az-2025",
        "/api/v1/visits",
        "/api/v1/countries/VN",
        "/api/v1/agreements.csv",
        "/health",
    ],
)
def test_nothing_acceptable_is_a_406_problem(client: TestClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "application/xml"})
    body = assert_problem(response, 406)
    assert body["type"] == "/problems/not-acceptable"
    assert "accept" in response.headers["vary"].lower()


@pytest.mark.parametrize("path", ["/api/v1/agreements", "/api/v1/agreements/mou-energy-vn-az-2025"])
def test_vary_names_accept(client: TestClient, path: str) -> None:
    vary = client.get(path, headers={"Accept-Encoding": "gzip"}).headers["vary"]
    assert [v.strip() for v in vary.split(",")].count("Accept") == 1


@pytest.mark.parametrize(
    ("suffix", "media_type"), [("csv", "text/csv"), ("ndjson", "application/x-ndjson")]
)
def test_exports_are_their_own_operations_and_not_stored(
    client: TestClient, suffix: str, media_type: str
) -> None:
    response = client.get(f"/api/v1/agreements.{suffix}?country=AZ&sector=energy")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers["cache-control"] == "no-store"
    assert "mou-energy-vn-az-2025" in response.text
    assert "accept" in response.headers["vary"].lower()
    old_link = client.get(f"/api/v1/agreements?country=AZ&sector=energy&format={suffix}")
    assert old_link.text == response.text


def test_include_takes_commas_or_repeats(client: TestClient) -> None:
    url = "/api/v1/agreements?country=AZ&sector=energy"
    commas = client.get(url + "&include=citations,sectors")
    repeated = client.get(url + "&include=citations&include=sectors")
    assert commas.status_code == 200, commas.text
    assert commas.json() == repeated.json()
    assert {"citations", "sectors"} <= commas.json()["items"][0].keys()


def test_405_allows_every_method_of_the_path(client: TestClient) -> None:
    response = client.put("/api/v1/agreements", json={})
    assert_problem(response, 405)
    assert response.headers["allow"] == "GET, HEAD, POST"
    item = client.request("OPTIONS", "/api/v1/agreements/mou-energy-vn-az-2025")
    assert item.headers["allow"] == "DELETE, GET, HEAD, PATCH"


@pytest.mark.parametrize("if_match", ["*", "W/{etag}", 'W/"0c5f"', "{etag}x"])
def test_only_the_strong_etag_satisfies_if_match(
    client: TestClient, session: Session, if_match: str
) -> None:
    url = "/api/v1/agreements/mou-energy-vn-az-2025"
    write = {"Authorization": f"Bearer {create_key(session, 'etag-writer', 'write')[1]}"}
    etag = client.get(url).headers["etag"]
    refused = client.patch(
        url,
        json={"status": "x"},
        headers={
            **write,
            "If-Match": if_match.format(etag=etag),
            "Content-Type": "application/merge-patch+json",
        },
    )
    assert_problem(refused, 412)
    accepted = client.patch(
        url,
        json={"status": "x"},
        headers={**write, "If-Match": etag, "Content-Type": "application/merge-patch+json"},
    )
    assert accepted.status_code == 200, accepted.text


NEW_SECTOR = {"id": "sector-test", "name": "Test sector", "parent": "energy"}
FORGED = {"Host": "evil.example", "X-Forwarded-Host": "evil.example"}


def links_of(client: TestClient, secret: str, headers: dict[str, str]) -> tuple[str, str]:
    """The `Link` of a first page and the `Location` of a created record, as `headers` ask."""
    link = client.get("/api/v1/sectors", params={"limit": 2}, headers=headers).headers["link"]
    created = client.post(
        "/api/v1/sectors", json=NEW_SECTOR, headers={**headers, "Authorization": f"Bearer {secret}"}
    )
    assert created.status_code == 201, created.text
    return link, created.headers["location"]


def test_a_forged_host_reaches_no_link_or_location(client: TestClient, session: Session) -> None:
    """No public base URL and no trusted proxy: the URLs are relative."""
    _, secret = create_key(session, "writer", "write")
    link, location = links_of(client, secret, FORGED)
    cursor = client.get("/api/v1/sectors", params={"limit": 2}).json()["next_cursor"]
    assert link == f'</api/v1/sectors?limit=2&cursor={cursor}>; rel="next"'
    assert location == "/api/v1/sectors/sector-test"


@pytest.mark.parametrize("peer", ["10.0.0.1", "192.0.2.1"])
def test_urls_start_with_the_public_base_url(session: Session, db_url: str, peer: str) -> None:
    """PUBLIC_BASE_URL wins over any Host, from a trusted proxy or not."""
    settings = Settings(
        database_url=db_url,
        public_base_url="https://treaties.example.org/",
        forwarded_allow_ips="10.0.0.0/8",
        counting_index=False,
    )
    app = create_app(settings)
    app.dependency_overrides[get_session] = lambda: session
    _, secret = create_key(session, "writer", "write")
    with TestClient(app, client=(peer, 1)) as client:
        link, location = links_of(client, secret, FORGED)
    app.state.engine.dispose()
    assert link.startswith("<https://treaties.example.org/api/v1/sectors?limit=2&cursor=")
    assert location == "https://treaties.example.org/api/v1/sectors/sector-test"


@pytest.mark.parametrize(
    ("peer", "link_start", "location"),
    [
        ("10.0.0.1", "<https://api.example.org/api/v1/sectors?", "https://api.example.org/api/v1/"),
        ("192.0.2.1", "</api/v1/sectors?", "/api/v1/"),
    ],
)
def test_without_a_public_base_url_only_a_trusted_proxy_names_the_host(
    session: Session, db_url: str, peer: str, link_start: str, location: str
) -> None:
    """A request through a trusted proxy gets absolute URLs of the host and scheme the proxy
    forwarded; one from anyone else gets relative URLs, whatever its Host says."""
    settings = Settings(database_url=db_url, forwarded_allow_ips="10.0.0.0/8", counting_index=False)
    app = create_app(settings)
    app.dependency_overrides[get_session] = lambda: session
    _, secret = create_key(session, "writer", "write")
    proxied = {"Host": "api.example.org", "X-Forwarded-Proto": "https"}
    with TestClient(app, client=(peer, 1)) as client:
        link, created = links_of(client, secret, proxied)
    app.state.engine.dispose()
    assert link.startswith(link_start)
    assert created == f"{location}sectors/sector-test"

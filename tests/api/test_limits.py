"""Abuse limits: rate limits (429), the body size cap (413) and security headers.

Each client is the app as `create_app` wires it, with limits configured by its settings and
counted in memory (`tests/test_shared_limits.py` covers Redis). Keys are verified against
the test's own session (rolled back afterwards), so they are real keys in the database.
"""

import asyncio
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import Body
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from app.api.deps import get_session
from app.api.docs_ui import CONTENT_SECURITY_POLICY
from app.config import Settings
from app.curation.keys import create_key, find_key, revoke_key
from app.db import make_engine, make_sessionmaker
from app.main import create_app
from app.middleware.body_size import BodySizeLimitMiddleware
from app.middleware.outermost import JSON_CONTENT_SECURITY_POLICY, OutermostMiddleware
from app.middleware.rate_limits import (
    KeyCache,
    RateLimitMiddleware,
    describe,
    key_lookup,
    parse_rate,
)
from app.middleware.trusted_proxies import TrustedProxies
from app.models.agreement import Agreement
from tests.problems import assert_problem

AGREEMENTS = "/api/v1/agreements"
ECHO = "/api/v1/test-echo"
CHUNKED = [(b"transfer-encoding", "chunked")]  # a body whose length is known only once read


class Lookups:
    """Key lookups against the test's session, counted."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.count = 0

    def __call__(self, secret: str) -> bool:
        self.count += 1
        return find_key(self.session, secret) is not None


@pytest.fixture
def lookups(session: Session) -> Lookups:
    return Lookups(session)


@pytest.fixture
def make_client(
    session: Session, db_url: str, lookups: Lookups
) -> Iterator[Callable[..., TestClient]]:
    """A TestClient on the app as `create_app` wires it from these settings."""
    apps = []
    clients: list[TestClient] = []

    def make(
        anonymous: str = "3/minute",
        keyed: str = "5/minute",
        max_body_bytes: int = 1_000_000,
        base_url: str = "http://testserver",
        forwarded_allow_ips: str = "",
        peer: tuple[str, int] = ("testclient", 50000),
    ) -> TestClient:
        app = create_app(
            Settings(
                database_url=db_url,
                rate_limit_anonymous=anonymous,
                rate_limit_keyed=keyed,
                max_body_bytes=max_body_bytes,
                forwarded_allow_ips=forwarded_allow_ips,
            )
        )
        app.dependency_overrides[get_session] = lambda: session
        for middleware in app.user_middleware:
            if middleware.cls is RateLimitMiddleware:
                middleware.kwargs["keys"].lookup = lookups

        def echo(payload: dict = Body(...)) -> dict:
            return {"keys": sorted(payload)}

        app.add_api_route(ECHO, echo, methods=["POST"])
        client = TestClient(app, base_url=base_url, client=peer)
        client.__enter__()
        apps.append(app)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)
    for app in apps:
        app.state.engine.dispose()


@pytest.fixture
def limited(make_client: Callable[..., TestClient]) -> TestClient:
    return make_client()


def agreement_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Agreement)) or 0


def statuses(client: TestClient, n: int, **kwargs: object) -> list[int]:
    return [client.get(AGREEMENTS, **kwargs).status_code for _ in range(n)]  # type: ignore[arg-type]


# --- rates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("120/minute", "120 requests per minute"),
        ("5/second", "5 requests per second"),
        (" 1000 / Hours ", "1000 requests per hour"),
        ("1 per minute", "1 request per minute"),
        ("0", None),
        ("off", None),
        ("OFF", None),
        ("0/minute", None),
    ],
)
def test_parse_rate(text: str, expected: str | None) -> None:
    rate = parse_rate(text)
    assert (describe(rate) if rate else None) == expected


@pytest.mark.parametrize(
    "text", ["", "120", "120/fortnight", "-1/minute", "ten/minute", "1/2/minute", "1/s;2/minute"]
)
def test_parse_rate_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="invalid rate limit"):
        parse_rate(text)


def test_a_bad_rate_fails_at_startup(db_url: str) -> None:
    with pytest.raises(ValueError, match="invalid rate limit"):
        create_app(Settings(database_url=db_url, rate_limit_anonymous="lots"))


# --- the embedded default -------------------------------------------------------------------


def test_the_defaults_never_throttle_a_local_burst(session: Session, db_url: str) -> None:
    """`make run` and a 600-request script: 600 answers, none 429 (issue 13)."""
    app = create_app(Settings(database_url=db_url))
    app.dependency_overrides[get_session] = lambda: session
    with TestClient(app, client=("127.0.0.1", 40000)) as client:
        responses = [client.get(AGREEMENTS, params={"limit": 1}) for _ in range(600)]
    app.state.engine.dispose()
    assert [r.status_code for r in responses] == [200] * 600
    assert not any("ratelimit-limit" in r.headers for r in responses)


# --- rate limits ----------------------------------------------------------------------------


def test_fourth_anonymous_request_in_a_minute_is_429(limited: TestClient, session: Session) -> None:
    before = agreement_count(session)
    for remaining in (2, 1, 0):
        response = limited.get(AGREEMENTS)
        assert response.status_code == 200
        assert response.headers["ratelimit-limit"] == "3"
        assert response.headers["ratelimit-remaining"] == str(remaining)

    # A write in the flood is turned away before any route sees it.
    response = limited.post(AGREEMENTS, json={"slug": "flood", "title": "Flood"})
    body = assert_problem(response, 429)
    assert body["type"] == "/problems/rate-limited"
    assert body["title"] == "Too many requests"
    assert "3 requests per minute" in body["detail"]
    assert body["request_id"] == response.headers["x-request-id"]
    # The moving window frees a slot a minute after the first request.
    assert 55 <= int(response.headers["retry-after"]) <= 60
    assert response.headers["retry-after"] in body["detail"]
    assert response.headers["ratelimit-remaining"] == "0"
    assert response.headers["cache-control"] == "no-store"
    assert_problem(limited.get(AGREEMENTS), 429)
    assert agreement_count(session) == before


def test_a_verified_key_has_its_own_bucket(limited: TestClient, session: Session) -> None:
    _, secret = create_key(session, "limits-reader", "read")
    bearer = {"Authorization": f"Bearer {secret}"}
    # The key's own limit applies from its first request, as Bearer or X-API-Key alike.
    for remaining in (4, 3):
        response = limited.get(AGREEMENTS, headers=bearer)
        assert response.headers["ratelimit-limit"] == "5"
        assert response.headers["ratelimit-remaining"] == str(remaining)
    assert limited.get(AGREEMENTS, headers={"X-API-Key": secret}).headers[
        "ratelimit-remaining"
    ] == ("2")
    assert statuses(limited, 2, headers=bearer) == [200, 200]
    body = assert_problem(limited.get(AGREEMENTS, headers=bearer), 429)
    assert "5 requests per minute" in body["detail"] and "API key" in body["detail"]
    # The address's anonymous budget is untouched.
    assert statuses(limited, 4) == [200, 200, 200, 429]


def test_a_spent_address_does_not_hold_up_a_key(limited: TestClient, session: Session) -> None:
    """A key is judged by its own limit, never by its address's anonymous budget (issue 23:
    keys were verified only while their address was within the anonymous limit, so a curator
    behind an address that anonymous requests had spent got 429 on reads and writes)."""
    _, secret = create_key(session, "limits-curator", "write")
    bearer = {"Authorization": f"Bearer {secret}"}
    assert statuses(limited, 4) == [200, 200, 200, 429]

    def add_sector(n: int) -> httpx.Response:
        sector = {"id": f"sector-limits-{n}", "name": f"Limits {n}", "parent": "energy"}
        return limited.post("/api/v1/sectors", json=sector, headers=bearer)

    answers = [
        add_sector(1),
        limited.get(AGREEMENTS, headers=bearer),
        add_sector(2),
        limited.get(AGREEMENTS, headers=bearer),
        add_sector(3),
    ]
    assert [r.status_code for r in answers] == [201, 200, 201, 200, 201]
    assert [r.headers["ratelimit-remaining"] for r in answers] == ["4", "3", "2", "1", "0"]
    body = assert_problem(add_sector(4), 429)
    assert "5 requests per minute" in body["detail"] and "API key" in body["detail"]
    assert_problem(limited.get(AGREEMENTS), 429)  # the address is still spent


def test_a_key_is_unlimited_when_keyed_limits_are_off(
    make_client: Callable[..., TestClient], session: Session
) -> None:
    client = make_client(anonymous="3/minute", keyed="off")
    _, secret = create_key(session, "limits-unlimited", "read")
    assert statuses(client, 4) == [200, 200, 200, 429]
    responses = [client.get(AGREEMENTS, headers={"X-API-Key": secret}) for _ in range(10)]
    assert [r.status_code for r in responses] == [200] * 10
    assert not any("ratelimit-limit" in r.headers for r in responses)


def test_random_keys_get_no_more_than_anonymous(limited: TestClient, lookups: Lookups) -> None:
    """A new key on every request (issue 13: 300 of 300 got through) gets the anonymous
    limit, and costs at most one key lookup per request that limit lets through."""
    results = []
    for i in range(30):
        key = secrets.token_urlsafe(16)
        headers = {"X-API-Key": key} if i % 2 else {"Authorization": f"Bearer {key}"}
        results.append(limited.get(AGREEMENTS, headers=headers).status_code)
    assert results.count(200) == 3
    assert results.count(429) == 27
    assert lookups.count == 3


def test_an_unknown_key_is_looked_up_once(
    make_client: Callable[..., TestClient], lookups: Lookups
) -> None:
    client = make_client(anonymous="10/minute")
    assert statuses(client, 6, headers={"X-API-Key": "not-a-key"}) == [200] * 6
    assert lookups.count == 1
    # ... and it shares the anonymous bucket of its address.
    response = client.get(AGREEMENTS)
    assert response.headers["ratelimit-limit"] == "10"
    assert response.headers["ratelimit-remaining"] == "3"


def test_a_revoked_key_loses_its_bucket_after_the_cache_ttl(session: Session) -> None:
    _, secret = create_key(session, "limits-revoked", "read")
    now = [1000.0]
    keys = KeyCache(lambda s: find_key(session, s) is not None, ttl=30, clock=lambda: now[0])
    assert keys.cached(secret) is None
    assert asyncio.run(keys.verify(secret)) is True
    revoke_key(session, "limits-revoked")
    now[0] += 29.9
    assert keys.cached(secret) is True  # the documented delay
    now[0] += 0.1
    assert keys.cached(secret) is None
    assert asyncio.run(keys.verify(secret)) is False
    assert keys.cached(secret) is False


def test_a_key_lookup_without_a_database_leaves_the_request_anonymous(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/missing-directory/none.sqlite")
    keys = KeyCache(key_lookup(make_sessionmaker(engine)))
    assert asyncio.run(keys.verify("tk_some-key")) is False
    assert keys.cached("tk_some-key") is None  # not remembered: asked again next time
    engine.dispose()


def test_the_key_cache_is_bounded() -> None:
    keys = KeyCache(lambda _secret: False, max_entries=2)
    for secret in ("a", "b", "c"):
        asyncio.run(keys.verify(secret))
    assert [keys.cached(s) for s in ("a", "b", "c")] == [None, False, False]


def test_forged_forwarded_headers_are_ignored_by_default(limited: TestClient) -> None:
    """Without FORWARDED_ALLOW_IPS (issue 13: a new X-Forwarded-For each time got 300 of 300)."""
    results = []
    for i in range(30):
        forged = f"203.0.113.{i}"
        headers = {"X-Forwarded-For": forged, "Forwarded": f"for={forged}", "X-Real-IP": forged}
        results.append(limited.get(AGREEMENTS, headers=headers).status_code)
    assert results.count(200) == 3


def test_a_trusted_proxy_tells_clients_apart(make_client: Callable[..., TestClient]) -> None:
    proxy = make_client(anonymous="1/minute", forwarded_allow_ips="10.0.0.1", peer=("10.0.0.1", 1))

    def status(forwarded_for: str) -> int:
        return proxy.get(AGREEMENTS, headers={"X-Forwarded-For": forwarded_for}).status_code

    assert status("198.51.100.1") == 200
    assert status("198.51.100.2") == 200
    assert status("198.51.100.1") == 429
    # What the client wrote itself (left of what the proxy appended) does not count.
    assert status("203.0.113.9, 198.51.100.1") == 429
    # RFC 7239 Forwarded is never believed: the proxy's own address is the client.
    assert proxy.get(AGREEMENTS, headers={"Forwarded": "for=203.0.113.7"}).status_code == 200
    assert proxy.get(AGREEMENTS, headers={"Forwarded": "for=203.0.113.8"}).status_code == 429


@pytest.mark.parametrize(
    ("trusted", "peer", "forwarded_for", "client"),
    [
        ("", "10.0.0.1", "198.51.100.1", "10.0.0.1"),
        ("10.0.0.1", "10.0.0.2", "198.51.100.1", "10.0.0.2"),
        ("10.0.0.1", "10.0.0.1", "198.51.100.1", "198.51.100.1"),
        ("10.0.0.0/8", "10.0.0.1", "203.0.113.9, 198.51.100.1, 10.2.0.1", "198.51.100.1"),
        ("10.0.0.1", "10.0.0.1", "", "10.0.0.1"),
        ("10.0.0.1", "10.0.0.1", "10.0.0.1", "10.0.0.1"),
        ("*", "192.0.2.1", "198.51.100.1", "198.51.100.1"),
        ("::1, 10.0.0.1", "::1", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_trusted_proxies_resolve_the_client(
    trusted: str, peer: str, forwarded_for: str, client: str
) -> None:
    headers = Headers({"x-forwarded-for": forwarded_for} if forwarded_for else {})
    assert TrustedProxies(trusted).resolve(peer, headers)[0] == client


def test_a_bad_proxy_address_fails_at_startup() -> None:
    with pytest.raises(ValueError, match="FORWARDED_ALLOW_IPS"):
        TrustedProxies("10.0.0.1, proxy.example")


@pytest.mark.parametrize(
    "path", ["/health", "/docs", "/redoc", "/openapi.json", "/", "/_assets/swagger-ui.css"]
)
def test_only_api_paths_are_limited(limited: TestClient, path: str) -> None:
    assert statuses(limited, 4) == [200, 200, 200, 429]
    for _ in range(10):
        response = limited.get(path)
        assert response.status_code == 200, response.text
        assert "ratelimit-limit" not in response.headers
    assert limited.get(AGREEMENTS).status_code == 429


def test_off_disables_the_limit(make_client: Callable[..., TestClient]) -> None:
    client = make_client(anonymous="off", keyed="0")
    for headers in ({}, {"X-API-Key": "k"}):
        for _ in range(20):
            response = client.get(AGREEMENTS, headers=headers)
            assert response.status_code == 200
            assert "ratelimit-limit" not in response.headers


def test_a_429_carries_cors_and_security_headers(limited: TestClient) -> None:
    origin = {"Origin": "https://example.org"}
    assert statuses(limited, 3, headers=origin) == [200, 200, 200]
    refused = limited.get(AGREEMENTS, headers=origin)
    assert refused.status_code == 429
    # CORS wraps the limiter, so a browser can read the 429 and its Retry-After.
    assert refused.headers["access-control-allow-origin"] == "*"
    exposed = refused.headers.get("access-control-expose-headers", "").lower()
    assert "retry-after" in exposed and "x-request-id" in exposed
    assert refused.headers["x-content-type-options"] == "nosniff"


# --- body size ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [AGREEMENTS, ECHO, "/health", "/nowhere"])
def test_a_2mb_body_is_413(limited: TestClient, session: Session, path: str) -> None:
    before = agreement_count(session)
    response = limited.post(
        path, content=b"x" * 2_000_000, headers={"Content-Type": "application/json"}
    )
    body = assert_problem(response, 413)
    assert body["type"] == "/problems/payload-too-large"
    assert "1000000 bytes" in body["detail"]
    assert agreement_count(session) == before


def test_a_body_at_the_cap_passes(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body_bytes=100)
    json = {"Content-Type": "application/json"}
    at_cap = b'{"a": "' + b"x" * 91 + b'"}'
    assert len(at_cap) == 100
    assert client.post(ECHO, content=at_cap, headers=json).json() == {"keys": ["a"]}
    over = b'{"a": "' + b"x" * 92 + b'"}'
    assert_problem(client.post(ECHO, content=over, headers=json), 413)


def test_a_chunked_body_over_the_cap_is_413(make_client: Callable[..., TestClient]) -> None:
    client = make_client(max_body_bytes=1000)

    def chunks(n: int) -> Iterator[bytes]:
        yield b'{"a": "'
        for _ in range(n):
            yield b"x" * 100
        yield b'"}'

    # No Content-Length: the size is only known while the body is read (FastAPI would
    # answer 400 to the aborted read; the client gets the 413).
    response = client.post(ECHO, content=chunks(20), headers={"Content-Type": "application/json"})
    assert "content-length" not in response.request.headers
    body = assert_problem(response, 413)
    assert body["type"] == "/problems/payload-too-large"
    small = client.post(ECHO, content=chunks(5), headers={"Content-Type": "application/json"})
    assert small.status_code == 200 and small.json() == {"keys": ["a"]}


def test_streamed_chunks_are_counted_and_reading_stops_at_the_cap() -> None:
    """Raw ASGI, many `http.request` messages: 413 as soon as the count passes the cap."""
    middleware = BodySizeLimitMiddleware(_tiny_app(), max_body_bytes=10_000)
    status, headers, body, reads = asyncio.run(
        _call(middleware, "POST", "/api/v1/echo", chunks=[b"x" * 1000] * 50, headers=CHUNKED)
    )
    assert status == 413
    assert headers["content-type"] == "application/problem+json"
    assert b"/problems/payload-too-large" in body
    assert reads == 11  # stopped right after the chunk that went over

    status, _, body, reads = asyncio.run(
        _call(middleware, "POST", "/api/v1/echo", chunks=[b"x" * 1000] * 10, headers=CHUNKED)
    )
    assert (status, body, reads) == (200, b'{"size":10000}', 10)


def test_a_413_raised_into_a_plain_app_is_still_a_413() -> None:
    """An app that does not catch the aborted read (no FastAPI in between)."""

    async def reader(scope: Scope, receive: Receive, send: Send) -> None:
        while (await receive()).get("more_body"):
            pass
        raise AssertionError("unreachable: the body is over the cap")

    middleware = BodySizeLimitMiddleware(reader, max_body_bytes=5)
    status, *_ = asyncio.run(
        _call(middleware, "POST", "/x", chunks=[b"abc", b"def"], headers=CHUNKED)
    )
    assert status == 413


# --- security headers -----------------------------------------------------------------------

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
    "cross-origin-resource-policy": "cross-origin",
}


def test_security_headers_on_a_get(limited: TestClient) -> None:
    response = limited.get(AGREEMENTS)
    assert response.status_code == 200
    for name, value in SECURITY_HEADERS.items():
        assert response.headers[name] == value
    assert response.headers["content-security-policy"] == JSON_CONTENT_SECURITY_POLICY
    assert "strict-transport-security" not in response.headers  # plain http


def test_security_headers_on_errors_and_limits(limited: TestClient) -> None:
    responses = [limited.get("/api/v1/treaties"), limited.post("/health", content=b"x" * 2_000_000)]
    for _ in range(4):
        responses.append(limited.get(AGREEMENTS))
    assert [r.status_code for r in responses] == [404, 413, 200, 200, 429, 429]
    for response in responses:
        for name, value in SECURITY_HEADERS.items():
            assert response.headers[name] == value


def test_hsts_only_over_https(make_client: Callable[..., TestClient]) -> None:
    client = make_client(base_url="https://testserver")
    response = client.get(AGREEMENTS)
    assert response.headers["strict-transport-security"] == "max-age=31536000"
    assert client.get("/health").headers["strict-transport-security"] == "max-age=31536000"


@pytest.mark.parametrize("path", ["/docs", "/redoc"])
def test_the_docs_pages_keep_their_own_csp(limited: TestClient, path: str) -> None:
    response = limited.get(path)
    assert response.status_code == 200
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["x-frame-options"] == "DENY"


def test_a_route_header_is_not_replaced() -> None:
    async def framed(scope: Scope, receive: Receive, send: Send) -> None:
        await JSONResponse({}, headers={"X-Frame-Options": "SAMEORIGIN"})(scope, receive, send)

    edge = OutermostMiddleware(framed, proxies=TrustedProxies(""))
    _, headers, *_ = asyncio.run(_call(edge, "GET", "/"))
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert headers["x-content-type-options"] == "nosniff"


# --- helpers --------------------------------------------------------------------------------


def _tiny_app() -> Starlette:
    async def echo(request: Request) -> JSONResponse:
        return JSONResponse({"size": len(await request.body())})

    async def ok(_request: Request) -> JSONResponse:
        return JSONResponse({})

    return Starlette(
        routes=[Route("/api/v1/echo", echo, methods=["POST"]), Route("/{path:path}", ok)]
    )


async def _call(
    app: Callable[[Scope, Receive, Send], object],
    method: str,
    path: str,
    *,
    chunks: list[bytes] | None = None,
    headers: list[tuple[bytes, str]] | None = None,
    client: tuple[str, int] = ("127.0.0.1", 1234),
) -> tuple[int, dict[str, str], bytes, int]:
    """One request through raw ASGI: (status, headers, body, how many receive calls)."""
    pending = list(chunks or [b""])
    sent: list[Message] = []
    reads = 0

    async def receive() -> Message:
        nonlocal reads
        reads += 1
        if not pending:
            return {"type": "http.disconnect"}
        chunk = pending.pop(0)
        return {"type": "http.request", "body": chunk, "more_body": bool(pending)}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(name, value.encode()) for name, value in headers or []],
        "client": client,
        "server": ("testserver", 80),
    }
    await app(scope, receive, send)  # type: ignore[misc]
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    response_headers = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], response_headers, body, reads

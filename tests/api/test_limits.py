"""Abuse limits: rate limits (429), the body size cap (413) and security headers.

The app is built with its own limits turned off and the middleware added here around it, with
a fake clock, so the tests hold whether or not `create_app` registers the middleware itself;
`test_create_app_wires_the_limits_from_settings` checks that wiring once it is there.
"""

import asyncio
from collections.abc import Callable, Iterator

import pytest
from fastapi import Body
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from app.api.deps import get_session
from app.config import Settings
from app.docs_ui import CONTENT_SECURITY_POLICY
from app.limits import (
    JSON_CONTENT_SECURITY_POLICY,
    BodySizeLimitMiddleware,
    Rate,
    RateLimitMiddleware,
    SecurityHeadersMiddleware,
    parse_rate,
)
from app.main import create_app
from app.models.agreement import Agreement
from tests.problems import assert_problem

AGREEMENTS = "/api/v1/agreements"
ECHO = "/api/v1/test-echo"


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_client(
    session: Session, db_url: str, clock: FakeClock
) -> Iterator[Callable[..., TestClient]]:
    """A TestClient on the real app with the limits middleware added outermost."""
    apps = []
    clients: list[TestClient] = []

    def make(
        anonymous: str = "3/minute",
        keyed: str = "5/minute",
        max_body_bytes: int = 1_000_000,
        base_url: str = "http://testserver",
    ) -> TestClient:
        app = create_app(
            Settings(
                database_url=db_url,
                rate_limit_anonymous="off",
                rate_limit_keyed="off",
                max_body_bytes=0,
            )
        )
        app.dependency_overrides[get_session] = lambda: session

        def echo(payload: dict = Body(...)) -> dict:
            return {"keys": sorted(payload)}

        app.add_api_route(ECHO, echo, methods=["POST"])
        app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=max_body_bytes)
        app.add_middleware(RateLimitMiddleware, anonymous=anonymous, keyed=keyed, clock=clock)
        app.add_middleware(SecurityHeadersMiddleware)
        client = TestClient(app, base_url=base_url)
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


# --- rates --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("120/minute", Rate(120, 60, "minute")),
        ("5/second", Rate(5, 1, "second")),
        (" 1000 / Hours ", Rate(1000, 3600, "hour")),
        ("0", None),
        ("off", None),
        ("OFF", None),
        ("0/minute", None),
    ],
)
def test_parse_rate(text: str, expected: Rate | None) -> None:
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["", "120", "120/day", "-1/minute", "ten/minute", "1/2/minute"])
def test_parse_rate_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValueError, match="invalid rate limit"):
        parse_rate(text)


def test_a_bad_rate_fails_at_startup() -> None:
    with pytest.raises(ValueError):
        RateLimitMiddleware(Starlette(), anonymous="lots")


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
    assert response.headers["retry-after"] == "20"  # one token every 60/3 seconds
    assert response.headers["ratelimit-remaining"] == "0"
    assert response.headers["cache-control"] == "no-store"
    assert_problem(limited.get(AGREEMENTS), 429)
    assert agreement_count(session) == before


def test_retry_after_is_whole_seconds_and_at_least_one(
    make_client: Callable[..., TestClient], clock: FakeClock
) -> None:
    client = make_client(anonymous="2/second")
    assert client.get(AGREEMENTS).status_code == 200
    assert client.get(AGREEMENTS).status_code == 200
    response = client.get(AGREEMENTS)
    assert response.status_code == 429
    assert response.headers["retry-after"] == "1"  # 0.5 s rounded up, never 0
    clock.advance(0.5)
    assert client.get(AGREEMENTS).status_code == 200


def test_advancing_the_clock_refills_the_bucket(limited: TestClient, clock: FakeClock) -> None:
    for _ in range(3):
        assert limited.get(AGREEMENTS).status_code == 200
    assert limited.get(AGREEMENTS).headers["retry-after"] == "20"
    clock.advance(19)
    assert limited.get(AGREEMENTS).headers["retry-after"] == "1"
    clock.advance(1)
    response = limited.get(AGREEMENTS)
    assert response.status_code == 200
    assert response.headers["ratelimit-remaining"] == "0"
    assert limited.get(AGREEMENTS).status_code == 429
    clock.advance(3600)  # refills only up to the limit
    for remaining in (2, 1, 0):
        assert limited.get(AGREEMENTS).headers["ratelimit-remaining"] == str(remaining)
    assert limited.get(AGREEMENTS).status_code == 429


def test_a_keyed_client_has_its_own_bucket(limited: TestClient) -> None:
    for _ in range(3):
        limited.get(AGREEMENTS)
    assert limited.get(AGREEMENTS).status_code == 429

    bearer = {"Authorization": "Bearer key-one"}
    response = limited.get(AGREEMENTS, headers=bearer)
    assert response.status_code == 200
    assert response.headers["ratelimit-limit"] == "5"
    assert response.headers["ratelimit-remaining"] == "4"
    # The same key sent as X-API-Key is the same client.
    same = limited.get(AGREEMENTS, headers={"X-API-Key": "key-one"})
    assert same.headers["ratelimit-remaining"] == "3"
    for _ in range(3):
        assert limited.get(AGREEMENTS, headers=bearer).status_code == 200
    body = assert_problem(limited.get(AGREEMENTS, headers=bearer), 429)
    assert "5 requests per minute" in body["detail"] and "API key" in body["detail"]

    # Another key, even from the same address, is another bucket; anonymous is still out.
    other = limited.get(AGREEMENTS, headers={"X-API-Key": "key-two"})
    assert other.status_code == 200 and other.headers["ratelimit-remaining"] == "4"
    assert limited.get(AGREEMENTS).status_code == 429
    # A key is not verified here; an empty or non-Bearer credential counts as anonymous.
    assert limited.get(AGREEMENTS, headers={"Authorization": "Bearer "}).status_code == 429
    assert limited.get(AGREEMENTS, headers={"Authorization": "Basic a2V5"}).status_code == 429


def test_anonymous_clients_are_told_apart_by_address(clock: FakeClock) -> None:
    middleware = RateLimitMiddleware(_tiny_app(), anonymous="1/minute", clock=clock)

    async def status(host: str) -> int:
        return (await _call(middleware, "GET", "/api/v1/x", client=(host, 1234)))[0]

    async def run() -> list[int]:
        return [await status(h) for h in ("10.0.0.1", "10.0.0.2", "10.0.0.1", "10.0.0.2")]

    assert asyncio.run(run()) == [200, 200, 429, 429]


@pytest.mark.parametrize(
    "path", ["/health", "/docs", "/redoc", "/openapi.json", "/", "/_assets/swagger-ui.css"]
)
def test_only_api_paths_are_limited(limited: TestClient, path: str) -> None:
    for _ in range(3):
        limited.get(AGREEMENTS)
    assert limited.get(AGREEMENTS).status_code == 429
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


def test_idle_buckets_are_evicted_beyond_the_cap(clock: FakeClock) -> None:
    middleware = RateLimitMiddleware(
        _tiny_app(), anonymous="1/minute", keyed="1/minute", clock=clock, max_buckets=2
    )

    async def status(key: str) -> int:
        return (await _call(middleware, "GET", "/api/v1/x", headers=[(b"x-api-key", key)]))[0]

    async def run() -> list[int]:
        first = [await status("a"), await status("a"), await status("b")]
        third = await status("c")  # a third bucket: "a", the least recently used, goes
        return [*first, third, await status("b"), await status("a")]

    assert asyncio.run(run()) == [200, 429, 200, 200, 429, 200]
    assert len(middleware.buckets) == 2


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
        _call(middleware, "POST", "/api/v1/echo", chunks=[b"x" * 1000] * 50)
    )
    assert status == 413
    assert headers["content-type"] == "application/problem+json"
    assert b"/problems/payload-too-large" in body
    assert reads == 11  # stopped right after the chunk that went over

    status, _, body, reads = asyncio.run(
        _call(middleware, "POST", "/api/v1/echo", chunks=[b"x" * 1000] * 10)
    )
    assert (status, body, reads) == (200, b'{"size":10000}', 10)


def test_a_413_raised_into_a_plain_app_is_still_a_413() -> None:
    """An app that does not catch the aborted read (no FastAPI in between)."""

    async def reader(scope: Scope, receive: Receive, send: Send) -> None:
        while (await receive()).get("more_body"):
            pass
        raise AssertionError("unreachable: the body is over the cap")

    middleware = BodySizeLimitMiddleware(reader, max_body_bytes=5)
    status, *_ = asyncio.run(_call(middleware, "POST", "/x", chunks=[b"abc", b"def"]))
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

    _, headers, *_ = asyncio.run(_call(SecurityHeadersMiddleware(framed), "GET", "/"))
    assert headers["x-frame-options"] == "SAMEORIGIN"
    assert headers["x-content-type-options"] == "nosniff"


# --- wiring in create_app -------------------------------------------------------------------


def test_create_app_wires_the_limits_from_settings(session: Session, db_url: str) -> None:
    app = create_app(
        Settings(
            database_url=db_url,
            rate_limit_anonymous="2/minute",
            rate_limit_keyed="3/minute",
            max_body_bytes=100,
        )
    )
    registered = {m.cls for m in app.user_middleware}
    wanted = {RateLimitMiddleware, BodySizeLimitMiddleware, SecurityHeadersMiddleware}
    if not wanted <= registered:
        app.state.engine.dispose()
        pytest.skip("app/main.py does not register the limits middleware yet")
    app.dependency_overrides[get_session] = lambda: session
    origin = {"Origin": "https://example.org"}
    with TestClient(app) as client:
        assert [client.get(AGREEMENTS, headers=origin).status_code for _ in range(3)] == [
            200,
            200,
            429,
        ]
        limited = client.get(AGREEMENTS, headers=origin)
        # CORS wraps the limiter, so a browser can read the 429 and its Retry-After.
        assert limited.headers["access-control-allow-origin"] == "*"
        exposed = limited.headers.get("access-control-expose-headers", "").lower()
        assert "retry-after" in exposed
        assert limited.headers["x-content-type-options"] == "nosniff"
        assert client.get(AGREEMENTS, headers={"X-API-Key": "k"}).headers["ratelimit-limit"] == "3"
        assert_problem(client.post("/health", content=b"x" * 101), 413)
    app.state.engine.dispose()


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

"""Abuse limits as pure ASGI middleware: rate limits, a request body cap, security headers.

- `RateLimitMiddleware`: a token bucket per client under `/api/`. A client is the API key it
  presents (`Authorization: Bearer <key>` or `X-API-Key`), known only by the key's SHA-256 and
  not checked here (authentication does that), else its IP address. Over the limit: 429
  problem+json with `Retry-After`; every limited response carries `RateLimit-Limit`,
  `RateLimit-Remaining` and `RateLimit-Reset` (IETF httpapi draft).
- `BodySizeLimitMiddleware`: 413 problem+json for a body over the cap, from `Content-Length`
  up front, or while a chunked body is being read.
- `SecurityHeadersMiddleware`: nosniff, no referrer, no framing, cross-origin reads allowed;
  HSTS on https only; a header a route set itself (such as the docs pages' CSP) is kept.

The state is in-process: with several worker processes, each enforces the limits on its own.
"""

import hashlib
import math
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import problem

_PERIODS = {"second": 1, "minute": 60, "hour": 3600}
_RATE = re.compile(r"(\d+)\s*/\s*(second|minute|hour)s?")
_EPSILON = 1e-9
_DIGITS = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class Rate:
    """`limit` requests per `period` seconds; the bucket holds `limit` and refills evenly."""

    limit: int
    period: int
    unit: str

    @property
    def per_second(self) -> float:
        return self.limit / self.period

    def __str__(self) -> str:
        noun = "request" if self.limit == 1 else "requests"
        return f"{self.limit} {noun} per {self.unit}"


def parse_rate(text: str) -> Rate | None:
    """`"N/second"`, `"N/minute"` or `"N/hour"`; `None` (no limit) for `"0"`, `"off"` or N = 0."""
    value = text.strip().lower()
    if value in ("0", "off"):
        return None
    match = _RATE.fullmatch(value)
    if match is None:
        raise ValueError(
            f"invalid rate limit {text!r}: expected 'N/second', 'N/minute', 'N/hour', '0' or 'off'"
        )
    limit, unit = int(match[1]), match[2]
    return Rate(limit, _PERIODS[unit], unit) if limit else None


def _api_path(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path == "/api" or path.startswith("/api/")


def _presented_key(headers: Headers) -> bytes | None:
    """The API key the request presents, unverified: Bearer token first, then X-API-Key."""
    authorization = headers.get("authorization", "")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip().encode("latin-1")
    api_key = headers.get("x-api-key", "").strip()
    return api_key.encode("latin-1") if api_key else None


class _Bucket:
    __slots__ = ("tokens", "updated")

    def __init__(self, tokens: float, updated: float) -> None:
        self.tokens = tokens
        self.updated = updated


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until the bucket is full again
    retry_after: int  # seconds until one request is allowed (0 when allowed)


class TokenBuckets:
    """Token buckets keyed by client id, least recently used evicted beyond `max_buckets`.

    An evicted bucket comes back full, which only ever errs in the client's favour; a bucket
    idle for a whole period is full anyway, so evicting it changes nothing.
    """

    def __init__(self, clock: Callable[[], float], max_buckets: int) -> None:
        self.clock = clock
        self.max_buckets = max_buckets
        self._buckets: OrderedDict[bytes, _Bucket] = OrderedDict()

    def __len__(self) -> int:
        return len(self._buckets)

    def take(self, client: bytes, rate: Rate) -> Decision:
        now = self.clock()
        bucket = self._buckets.get(client)
        if bucket is None:
            bucket = _Bucket(float(rate.limit), now)
            self._buckets[client] = bucket
            while len(self._buckets) > self.max_buckets:
                self._buckets.popitem(last=False)
        else:
            self._buckets.move_to_end(client)
            elapsed = max(0.0, now - bucket.updated)
            bucket.tokens = min(float(rate.limit), bucket.tokens + elapsed * rate.per_second)
            bucket.updated = now
        allowed = bucket.tokens >= 1 - _EPSILON
        retry_after = 0
        if allowed:
            bucket.tokens = max(0.0, bucket.tokens - 1)
        else:
            retry_after = max(1, math.ceil((1 - bucket.tokens) / rate.per_second - _EPSILON))
        reset = max(0, math.ceil((rate.limit - bucket.tokens) / rate.per_second - _EPSILON))
        remaining = max(0, math.floor(bucket.tokens + _EPSILON))
        return Decision(allowed, rate.limit, remaining, reset, retry_after)


class RateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        anonymous: str = "120/minute",
        keyed: str = "600/minute",
        clock: Callable[[], float] = time.monotonic,
        max_buckets: int = 100_000,
    ) -> None:
        self.app = app
        self.anonymous = parse_rate(anonymous)
        self.keyed = parse_rate(keyed)
        self.buckets = TokenBuckets(clock, max_buckets)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _api_path(scope):
            await self.app(scope, receive, send)
            return
        key = _presented_key(Headers(scope=scope))
        if key is not None:
            rate, kind = self.keyed, "API key"
            client = b"k:" + hashlib.sha256(key).digest()
        else:
            rate, kind = self.anonymous, "anonymous client"
            host = (scope.get("client") or ("unknown", 0))[0]
            client = b"a:" + str(host).encode("utf-8", "replace")
        if rate is None:
            await self.app(scope, receive, send)
            return
        decision = self.buckets.take(client, rate)
        headers = {
            "RateLimit-Limit": str(decision.limit),
            "RateLimit-Remaining": str(decision.remaining),
            "RateLimit-Reset": str(decision.reset),
        }
        if not decision.allowed:
            seconds = "second" if decision.retry_after == 1 else "seconds"
            response = problem(
                429,
                "Too many requests",
                f"The rate limit for this {kind} is {rate}; "
                f"retry in {decision.retry_after} {seconds}.",
                "rate-limited",
            )
            response.headers.update(headers)
            response.headers["Retry-After"] = str(decision.retry_after)
            response.headers["Cache-Control"] = "no-store"
            await response(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in headers.items():
                    response_headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


class _BodyTooLarge(Exception):
    """Raised from `receive` once the body read so far is over the cap."""


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int = 1_000_000) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    def _too_large(self) -> JSONResponse:
        return problem(
            413,
            "Payload too large",
            f"The request body is larger than the limit of {self.max_body_bytes} bytes.",
            "payload-too-large",
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.max_body_bytes <= 0:
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length", "").strip()
        if _DIGITS.fullmatch(declared) and int(declared) > self.max_body_bytes:
            response = self._too_large()
            await response(scope, receive, send)
            return

        received = 0
        started = False  # the inner app has begun its response
        replaced = False  # the inner app's response is dropped and a 413 sent instead

        async def counting_receive() -> Message:
            nonlocal received, replaced
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    replaced = not started
                    raise _BodyTooLarge(f"request body over {self.max_body_bytes} bytes")
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if replaced:
                return  # whatever the app makes of the aborted read, the client gets the 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            # The app may let _BodyTooLarge through, wrap it, or turn it into its own error
            # (FastAPI answers 400 to a body it could not read): all the same here.
            if not replaced:
                raise
        if replaced:
            response = self._too_large()
            await response(scope, receive, send)


JSON_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"


class SecurityHeadersMiddleware:
    """Security headers on every response, without replacing any a route set itself.

    JSON responses also get a CSP that allows nothing; HTML pages (docs, landing page) keep
    their own policy or none. HSTS is sent only over https (behind a TLS-terminating proxy,
    run uvicorn with `--proxy-headers` so the scheme is seen as https).
    """

    HEADERS = (
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("X-Frame-Options", "DENY"),
        ("Cross-Origin-Resource-Policy", "cross-origin"),
    )

    def __init__(self, app: ASGIApp, hsts: str = "max-age=31536000") -> None:
        self.app = app
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", [])
                headers = MutableHeaders(scope=message)
                for name, value in self.HEADERS:
                    headers.setdefault(name, value)
                if https and self.hsts:
                    headers.setdefault("Strict-Transport-Security", self.hsts)
                content_type = headers.get("content-type", "").split(";")[0].strip().lower()
                if content_type in ("application/json", "application/problem+json"):
                    headers.setdefault("Content-Security-Policy", JSON_CONTENT_SECURITY_POLICY)
            await send(message)

        await self.app(scope, receive, send_with_headers)

"""Rate limits as pure ASGI middleware.

`RateLimitMiddleware`: per-client limits under `/api/`, counted by the `limits` library
(moving window: never more than N requests in any window of the period) in process memory,
or in Redis when `REDIS_URL` is set so that every worker and machine shares the counts. A
client is its API key when the key verifies (see `KeyCache`), else its address (as resolved
from trusted proxies, `app.middleware.trusted_proxies`). Over the limit: 429 problem+json
with `Retry-After`; every limited response carries `RateLimit-Limit`, `RateLimit-Remaining`
and `RateLimit-Reset` (IETF httpapi draft). If Redis does not answer, requests are let
through (fail open), a warning is logged once per outage and `treaty_rate_limit_fail_open`
counts them.
"""

import hashlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import anyio
from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage, RedisStorage, Storage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.curation.keys import find_key
from app.errors import problem
from app.metrics import RATE_LIMIT_FAIL_OPEN, RATE_LIMITED

logger = logging.getLogger("app.middleware.rate_limits")
_UNITS = {1: "second", 60: "minute", 3600: "hour", 86400: "day"}
_REDIS_TIMEOUT = 0.5  # seconds: a Redis that does not answer by then is treated as down


def parse_rate(text: str) -> RateLimitItem | None:
    """`"N/second"`, `"N/minute"`, `"N/hour"` (the `limits` notation, one rate); `None` (no
    limit) for `"0"`, `"off"` or N = 0."""
    value = text.strip().lower()
    if value in ("0", "off"):
        return None
    try:
        if not value or any(separator in value for separator in ",;|"):
            raise ValueError("one rate, not a list")
        rate = parse(value)
    except ValueError:
        raise ValueError(
            f"invalid rate limit {text!r}: expected 'N/second', 'N/minute', 'N/hour', '0' or 'off'"
        ) from None
    return rate if rate.amount else None


def describe(rate: RateLimitItem) -> str:
    noun = "request" if rate.amount == 1 else "requests"
    seconds = rate.get_expiry()
    per = _UNITS.get(seconds, f"{seconds} seconds")
    return f"{rate.amount} {noun} per {per}"


def make_storage(redis_url: str | None, key_prefix: str = "treaty-api") -> Storage:
    """Redis when configured (short timeouts, no retries: a dead Redis must not hold requests
    up), else this process's memory."""
    if not redis_url:
        return MemoryStorage()
    return RedisStorage(
        "async+" + redis_url,
        implementation="redispy",
        key_prefix=key_prefix,
        wrap_exceptions=True,
        socket_timeout=_REDIS_TIMEOUT,
        socket_connect_timeout=_REDIS_TIMEOUT,
        retry=Retry(NoBackoff(), 0),
    )


@dataclass(frozen=True)
class Decision:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until the oldest counted request leaves the window
    retry_after: int  # seconds until one request is allowed (0 when allowed)


class Limiter:
    """The two limits over one storage, failing open when the storage does not answer."""

    def __init__(
        self,
        storage: Storage,
        anonymous: RateLimitItem | None,
        keyed: RateLimitItem | None,
    ) -> None:
        self.storage = storage
        self.strategy = MovingWindowRateLimiter(storage)
        self.anonymous = anonymous
        self.keyed = keyed
        self._outage = False

    @property
    def uses_redis(self) -> bool:
        return isinstance(self.storage, RedisStorage)

    @property
    def enabled(self) -> bool:
        return self.anonymous is not None or self.keyed is not None

    async def hit(self, rate: RateLimitItem, client: str) -> Decision | None:
        """Count one request of `client`; `None` when the storage is down (let it through)."""
        try:
            allowed = await self.strategy.hit(rate, client)
            stats = await self.strategy.get_window_stats(rate, client)
        except (StorageError, OSError, TimeoutError) as exc:
            RATE_LIMIT_FAIL_OPEN.inc()
            if not self._outage:
                self._outage = True
                logger.warning("rate limits are off until the storage answers again: %s", exc)
            return None
        if self._outage:
            self._outage = False
            logger.warning("the rate-limit storage answers again; limits apply")
        wait = max(0, math.ceil(stats.reset_time - time.time()))
        return Decision(
            allowed=allowed,
            limit=rate.amount,
            remaining=max(0, stats.remaining),
            reset=wait,
            retry_after=0 if allowed else max(1, wait),
        )

    async def answers(self) -> bool:
        try:
            return bool(await self.storage.check())
        except (StorageError, OSError, TimeoutError):
            return False


class KeyCache:
    """Which presented keys verify, remembered for `ttl` seconds by the key's SHA-256.

    Each distinct key costs one indexed lookup per `ttl`, not one per request; a revoked key
    keeps its bucket for at most `ttl` seconds. Least recently used entries go beyond
    `max_entries`, so random keys cannot grow the cache without bound.
    """

    def __init__(
        self,
        lookup: Callable[[str], bool],
        ttl: float = 30,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lookup = lookup
        self.ttl = ttl
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[bytes, tuple[bool, float]] = OrderedDict()

    def cached(self, secret: str) -> bool | None:
        """True (verifies), False (does not), None (not known, or known too long ago)."""
        digest = key_digest(secret)
        entry = self._entries.get(digest)
        if entry is None or entry[1] <= self.clock():
            return None
        self._entries.move_to_end(digest)
        return entry[0]

    async def verify(self, secret: str) -> bool:
        """Look the key up and remember the answer; a database that does not answer leaves the
        request anonymous and nothing remembered (the route itself will answer 503)."""
        try:
            live = await anyio.to_thread.run_sync(self.lookup, secret)
        except SQLAlchemyError as exc:
            logger.warning("could not verify an API key for the rate limit: %s", exc)
            return False
        digest = key_digest(secret)
        self._entries[digest] = (live, self.clock() + self.ttl)
        self._entries.move_to_end(digest)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)
        return live


def key_digest(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


def key_lookup(sessions: sessionmaker[Session]) -> Callable[[str], bool]:
    """Whether a secret is a live key, in a session of its own."""

    def live(secret: str) -> bool:
        with sessions() as session:
            return find_key(session, secret) is not None

    return live


def _api_path(scope: Scope) -> bool:
    path: str = scope.get("path", "")
    root: str = scope.get("root_path", "")
    if root and path.startswith(root):
        path = path[len(root) :]
    return path == "/api" or path.startswith("/api/")


def presented_key(headers: Headers) -> str | None:
    """The API key the request presents, unverified: Bearer token first, then X-API-Key."""
    authorization = headers.get("authorization", "")
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return headers.get("x-api-key", "").strip() or None


@dataclass(frozen=True)
class _Client:
    """Whose limit a request counts against: `verifying` is an anonymous request whose key
    is looked up once the request is allowed."""

    kind: Literal["keyed", "anonymous", "verifying"]
    rate: RateLimitItem | None
    bucket: str
    secret: str | None = None


class RateLimitMiddleware:
    """Counts each `/api/` request against its client's limit.

    A presented key is verified before it earns the keyed limit; a key that does not verify
    leaves the request anonymous (the route answers 401 if it needs a key). Until a key is
    verified (first use, or `ttl` later), the request counts as anonymous, and is verified
    only if its address is within the anonymous limit: random keys get no more through than
    no key does, and cost at most one lookup per request the anonymous limit allows.
    """

    def __init__(self, app: ASGIApp, limiter: Limiter, keys: KeyCache) -> None:
        self.app = app
        self.limiter = limiter
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _api_path(scope):
            await self.app(scope, receive, send)
            return
        client = self._client(scope)
        decision = await self.limiter.hit(client.rate, client.bucket) if client.rate else None
        if client.secret is not None and (decision is None or decision.allowed):
            await self.keys.verify(client.secret)
        if decision is None:
            await self.app(scope, receive, send)
            return
        headers = {
            "RateLimit-Limit": str(decision.limit),
            "RateLimit-Remaining": str(decision.remaining),
            "RateLimit-Reset": str(decision.reset),
        }
        if not decision.allowed:
            assert client.rate is not None
            RATE_LIMITED.labels("keyed" if client.kind == "keyed" else "anonymous").inc()
            refusal = self._refuse(decision, client.rate, client.kind, headers)
            await refusal(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in headers.items():
                    response_headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _client(self, scope: Scope) -> _Client:
        address = "a:" + str((scope.get("client") or ("unknown", 0))[0])
        secret = presented_key(Headers(scope=scope))
        if secret is None or self.limiter.keyed is None:
            return _Client("anonymous", self.limiter.anonymous, address)
        known = self.keys.cached(secret)
        if known:
            return _Client("keyed", self.limiter.keyed, "k:" + key_digest(secret).hex())
        if known is False:
            return _Client("anonymous", self.limiter.anonymous, address)
        return _Client("verifying", self.limiter.anonymous, address, secret)

    @staticmethod
    def _refuse(
        decision: Decision, rate: RateLimitItem, kind: str, headers: dict[str, str]
    ) -> JSONResponse:
        seconds = "second" if decision.retry_after == 1 else "seconds"
        who = "API key" if kind == "keyed" else "anonymous client"
        response = problem(
            429,
            "Too many requests",
            f"The rate limit for this {who} is {describe(rate)}; "
            f"retry in {decision.retry_after} {seconds}.",
            "rate-limited",
        )
        response.headers.update(headers)
        response.headers["Retry-After"] = str(decision.retry_after)
        response.headers["Cache-Control"] = "no-store"
        return response

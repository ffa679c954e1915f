"""Rate limits as pure ASGI middleware.

`RateLimitMiddleware`: per-client limits under `/api/`, counted by the `limits` library
(moving window: never more than N requests in any window of the period) in process memory,
or in Redis when `REDIS_URL` is set so that every worker and machine shares the counts. A
client is its API key when the key verifies (see `KeyCache`), else its address (as resolved
from trusted proxies, `app.middleware.trusted_proxies`). Over the limit: 429 problem+json
with `Retry-After`; every limited response carries `RateLimit-Limit`, `RateLimit-Remaining`
and `RateLimit-Reset` (IETF httpapi draft). If Redis does not answer, requests are let
through (fail open) without asking it again until a ping, once a second, finds it answering
(see `Limiter`); a warning is logged once per outage and `treaty_rate_limit_fail_open`
counts the requests let through.
"""

import asyncio
import hashlib
import logging
import math
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

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
_BACKOFF = 1.0  # seconds between pings of a storage that did not answer


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
    """The two limits over one storage, failing open when the storage does not answer.

    Once the storage has failed to answer, it is not asked again until a ping says it
    answers (a circuit breaker); requests pass at once meanwhile. Asking it on every request
    cost each one the client timeout while Redis was frozen (SIGSTOP: connections are
    accepted, nothing answers): in `tests/test_shared_limits.py`, 1000 requests on a machine
    at load 12 on 2 cores, p99 rose by 531 ms; with the breaker it is 13 to 25 ms, against
    27 to 30 ms for requests counted in a Redis that answers. The ping runs in the
    background, at most one every `_BACKOFF` seconds, so no request waits on a storage that
    is still away; only the requests already waiting when it failed pay the timeout.
    """

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
        self._ping_at = 0.0  # time.monotonic() after which the next ping may start
        self._ping: asyncio.Task[None] | None = None

    @property
    def uses_redis(self) -> bool:
        return isinstance(self.storage, RedisStorage)

    @property
    def enabled(self) -> bool:
        return self.anonymous is not None or self.keyed is not None

    async def hit(self, rate: RateLimitItem, client: str) -> Decision | None:
        """Count one request of `client`; `None` when the storage is away (let it through)."""
        if self._outage:
            self._ping_when_due()
            return None
        try:
            allowed = await self.strategy.hit(rate, client)
            stats = await self.strategy.get_window_stats(rate, client)
        except (StorageError, OSError, TimeoutError) as exc:
            if not self._outage:
                self._outage = True
                self._ping_at = time.monotonic() + _BACKOFF
                logger.warning("rate limits are off until the storage answers again: %s", exc)
            return None
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

    def _ping_when_due(self) -> None:
        if time.monotonic() < self._ping_at or (self._ping is not None and not self._ping.done()):
            return
        self._ping = asyncio.get_running_loop().create_task(self._ping_storage())

    async def _ping_storage(self) -> None:
        if await self.answers():
            self._outage = False
            logger.warning("the rate-limit storage answers again; limits apply")
        else:
            self._ping_at = time.monotonic() + _BACKOFF


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
    """Whose limit a request counts against: its key's or its address's."""

    keyed: bool
    rate: RateLimitItem | None
    bucket: str


class RateLimitMiddleware:
    """Counts each `/api/` request against its client's limit.

    A request presenting a key that verifies is judged by the keyed limit alone, never by its
    address's anonymous budget (which may be spent by others behind the same address); one
    whose key does not verify is anonymous (the route answers 401 if it needs a key). A key
    not verified in the last `ttl` seconds is looked up only within its address's lookup
    budget (as many lookups as the anonymous limit allows requests, counted apart from
    them), so random keys get no more through than no key does, and cost no more lookups
    than that. Once an address has spent its lookups (on random keys, say), a key not yet
    verified counts as anonymous until the budget frees up. While the storage is away
    nothing is looked up: everything passes.
    """

    def __init__(self, app: ASGIApp, limiter: Limiter, keys: KeyCache) -> None:
        self.app = app
        self.limiter = limiter
        self.keys = keys

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not _api_path(scope):
            await self.app(scope, receive, send)
            return
        client = await self._client(scope)
        if client.rate is None:
            await self.app(scope, receive, send)
            return
        decision = await self.limiter.hit(client.rate, client.bucket)
        if decision is None:
            RATE_LIMIT_FAIL_OPEN.inc()
            await self.app(scope, receive, send)
            return
        headers = {
            "RateLimit-Limit": str(decision.limit),
            "RateLimit-Remaining": str(decision.remaining),
            "RateLimit-Reset": str(decision.reset),
        }
        if not decision.allowed:
            RATE_LIMITED.labels("keyed" if client.keyed else "anonymous").inc()
            refusal = self._refuse(decision, client.rate, client.keyed, headers)
            await refusal(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in headers.items():
                    response_headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)

    async def _client(self, scope: Scope) -> _Client:
        address = "a:" + str((scope.get("client") or ("unknown", 0))[0])
        secret = presented_key(Headers(scope=scope))
        if secret is not None and await self._verifies(secret, address):
            return _Client(True, self.limiter.keyed, "k:" + key_digest(secret).hex())
        return _Client(False, self.limiter.anonymous, address)

    async def _verifies(self, secret: str, address: str) -> bool:
        """Whether the key verifies: from the cache, else looked up if the address's lookup
        budget allows (always when anonymous requests are unlimited: a random key then gets
        nothing that no key does not)."""
        known = self.keys.cached(secret)
        if known is not None:
            return known
        budget = self.limiter.anonymous
        if budget is not None:
            lookup = await self.limiter.hit(budget, "v:" + address)
            if lookup is None or not lookup.allowed:
                return False
        return await self.keys.verify(secret)

    @staticmethod
    def _refuse(
        decision: Decision, rate: RateLimitItem, keyed: bool, headers: dict[str, str]
    ) -> JSONResponse:
        seconds = "second" if decision.retry_after == 1 else "seconds"
        who = "API key" if keyed else "anonymous client"
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

"""ASGI guards that keep bad or excessive requests away from the routes.

- `HeaderSizeGuard`: request headers over 16 kB in total, or one over 8 kB, are a 431 before
  anything reads them.
- `ControlCharacterGuard`: control characters in the URL are a 422 up front. PostgreSQL
  refuses NUL in text, and no identifier, date or search term here needs any control
  character (a trailing newline would otherwise slip past a `$` in a pattern).
- `AdmissionGate`: at most N requests inside the app at once (each holds at most one pooled
  connection and one thread); a few hundred more wait their turn, each for a few seconds;
  beyond that a 503 with `Retry-After`, so a burst is shed early instead of queueing in the
  connection pool (see `Settings.max_concurrent_requests`).
- `UnexpectedErrorGuard`: an unexpected exception becomes a 500 problem inside the
  middleware stack, so it carries the CORS and security headers every response carries and
  the keep-alive connection stays usable (Starlette's outermost handler closes it).
"""

import asyncio
import logging
import re
from urllib.parse import unquote

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.config import Settings
from app.errors import internal_error, problem

logger = logging.getLogger("app.errors")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Paths that must answer under any load: they bypass the admission gate.
UNGATED = frozenset({"/health"})


class HeaderSizeGuard:
    def __init__(self, app: ASGIApp, max_total: int = 16_384, max_one: int = 8_192) -> None:
        self.app = app
        self.max_total = max_total
        self.max_one = max_one

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            total = 0
            for name, value in scope["headers"]:
                size = len(name) + len(value)
                total += size
                if size > self.max_one or total > self.max_total:
                    response = problem(
                        431,
                        "Request header fields too large",
                        f"Request headers may take {self.max_total} bytes in all and "
                        f"{self.max_one} bytes each; {name.decode('latin-1')[:64]!r} is past "
                        "that.",
                        "request-header-fields-too-large",
                    )
                    response.headers["Connection"] = "close"
                    await response(scope, receive, send)
                    return
        await self.app(scope, receive, send)


class ControlCharacterGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = unquote(scope.get("query_string", b"").decode("latin-1"))
            if _CONTROL.search(scope.get("path", "")) or _CONTROL.search(query):
                response = problem(
                    422,
                    "Invalid parameter",
                    "The URL contains a control character (such as NUL or a newline).",
                    "invalid-parameter",
                    errors=[
                        {
                            "parameter": "url",
                            "location": "query",
                            "message": "control characters are not allowed",
                        }
                    ],
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


class AdmissionGate:
    """At most `limit` requests in the app at once; `queue` more wait up to `wait` seconds
    each, in arrival order; the rest get 503 at once.

    Why: each request holds at most one pooled connection and one threadpool thread, and a
    sync dependency's cleanup (which gives the connection back) needs a thread too. With the
    gate at or below both the pool size and the thread limit, no request ever waits for a
    connection that only a blocked thread can give back, and a burst waits here, in the
    event loop, at no cost to the requests being served."""

    def __init__(self, app: ASGIApp, limit: int, queue: int, wait: float) -> None:
        self.app = app
        self.limit = limit
        self.queue = queue
        self.wait = wait
        self.waiting = 0
        self._slots: asyncio.Semaphore | None = None
        self._loop: asyncio.AbstractEventLoop | None = None

    def _semaphore(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        if self._slots is None or self._loop is not loop:  # a test client's new event loop
            self._slots, self._loop = asyncio.Semaphore(self.limit), loop
        return self._slots

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in UNGATED:
            await self.app(scope, receive, send)
            return
        slots = self._semaphore()
        if slots.locked() and self.waiting >= self.queue:
            await self._shed(scope, receive, send)
            return
        self.waiting += 1
        try:
            async with asyncio.timeout(self.wait):
                await slots.acquire()
        except TimeoutError:
            await self._shed(scope, receive, send)
            return
        finally:
            self.waiting -= 1
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()

    async def _shed(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(
            503,
            "Service unavailable",
            "The server is busy with other requests; retry after the delay in Retry-After.",
            "service-unavailable",
        )
        response.headers["Retry-After"] = "1"
        response.headers["Cache-Control"] = "no-store"
        await response(scope, receive, send)


class UnexpectedErrorGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            if started:  # half a response went out: only closing the connection is honest
                raise
            logger.exception("unhandled error on %s %s", scope["method"], scope["path"])
            await internal_error()(scope, receive, send)


def add_guards(app: FastAPI, settings: Settings) -> None:
    """The innermost middleware, in this order from the outside: control characters, the
    admission gate, unexpected errors (so the gate's slot is held until the answer is out)."""
    app.add_middleware(UnexpectedErrorGuard)
    app.add_middleware(
        AdmissionGate,
        limit=settings.max_concurrent_requests,
        queue=settings.max_queued_requests,
        wait=settings.queue_wait_seconds,
    )
    app.add_middleware(ControlCharacterGuard)

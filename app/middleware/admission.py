"""Guards that keep bad or excessive requests away from the routes.

- `oversized_headers`: request headers over 16 kB in total, or one over 8 kB, are a 431
  before anything reads them (checked by the outermost layer, `app.middleware.outermost`).
- `AdmissionGate`, the innermost middleware: control characters in the URL are a 422 up
  front (PostgreSQL refuses NUL in text, and no identifier, date or search term here needs
  any control character: a trailing newline would otherwise slip past a `$` in a pattern).
  Then at most N requests are inside the app at once (each holds at most one pooled
  connection and one thread); a few hundred more wait their turn, each for a few seconds;
  beyond that a 503 with `Retry-After`, so a burst is shed early instead of queueing in the
  connection pool (see `Settings.max_concurrent_requests`).
"""

import asyncio
import re
from urllib.parse import unquote

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import problem
from app.loop_local import LoopLocal

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Paths that must answer under any load: they bypass the admission gate.
UNGATED = frozenset({"/health"})


def oversized_headers(
    headers: list[tuple[bytes, bytes]], max_total: int = 16_384, max_one: int = 8_192
) -> JSONResponse | None:
    """A 431 when the request headers take over `max_total` bytes in all, or one takes over
    `max_one`; the connection is closed after it."""
    total = 0
    for name, value in headers:
        size = len(name) + len(value)
        total += size
        if size > max_one or total > max_total:
            response = problem(
                431,
                "Request header fields too large",
                f"Request headers may take {max_total} bytes in all and {max_one} bytes "
                f"each; {name.decode('latin-1')[:64]!r} is past that.",
                "request-header-fields-too-large",
            )
            response.headers["Connection"] = "close"
            return response
    return None


def control_characters(scope: Scope) -> JSONResponse | None:
    """A 422 when the path or the query string holds a control character."""
    query = scope.get("query_string", b"").decode("latin-1")
    if "%" in query:
        query = unquote(query)
    if not (_CONTROL.search(scope.get("path", "")) or _CONTROL.search(query)):
        return None
    return problem(
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


class AdmissionGate:
    """The innermost middleware. A URL with a control character is a 422 first; then at most
    `limit` requests are in the app at once; `queue` more wait up to `wait` seconds
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
        self._slots = LoopLocal(lambda: asyncio.Semaphore(limit))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if (refusal := control_characters(scope)) is not None:
            await refusal(scope, receive, send)
            return
        if scope.get("path") in UNGATED:
            await self.app(scope, receive, send)
            return
        slots = self._slots.get()
        if not slots.locked():
            await slots.acquire()  # a free slot: taken at once, no timer needed
        elif self.waiting >= self.queue or not await self._wait_for(slots):
            await self._shed(scope, receive, send)
            return
        try:
            await self.app(scope, receive, send)
        finally:
            slots.release()

    async def _wait_for(self, slots: asyncio.Semaphore) -> bool:
        """Wait in line for a slot, at most `wait` seconds: whether one was taken."""
        self.waiting += 1
        try:
            async with asyncio.timeout(self.wait):
                await slots.acquire()
        except TimeoutError:
            return False
        finally:
            self.waiting -= 1
        return True

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

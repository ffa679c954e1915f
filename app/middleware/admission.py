"""Guards that keep bad or excessive requests away from the routes.

- `oversized_headers`: request headers over 16 kB in total, or one over 8 kB, are a 431
  before anything reads them (checked by the outermost layer, `app.middleware.outermost`).
- `AdmissionGate`, the innermost middleware: control characters in the URL are a 422 up
  front (PostgreSQL refuses NUL in text, and no identifier, date or search term here needs
  any control character: a trailing newline would otherwise slip past a `$` in a pattern).
  Then at most N requests are inside the app at once (each holds at most one pooled
  connection and one thread), and at most a few of one client (its address, its API key);
  a few hundred more wait their turn, each for a few seconds; beyond that a 503 with
  `Retry-After`, so a burst is shed early instead of queueing in the connection pool (see
  `Settings.max_concurrent_requests` and `max_requests_per_client`). A request hands its
  slot back while its client sends its body (a 408 past `Settings.body_timeout_seconds`),
  and a download while its client reads (see `Turn`).
"""

import asyncio
import re
from collections import Counter
from urllib.parse import unquote

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import Busy, RequestTimeout, problem
from app.loop_local import LoopLocal
from app.middleware.rate_limits import key_digest, presented_key

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# Paths that must answer under any load: they bypass the admission gate.
UNGATED = frozenset({"/health"})
TURN = "treaty.turn"
"""The scope key of a request's `Turn` (see `turn_of`)."""


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


class Lines:
    """The gate's slots on one event loop: `limit` in all and `share` for each client; and
    how many requests wait for one."""

    def __init__(self, limit: int, share: int) -> None:
        self.slots = asyncio.Semaphore(limit)
        self.share = share
        self.waiting = 0
        self._shares: dict[str, asyncio.Semaphore] = {}
        self._requests: Counter[str] = Counter()

    def join(self, clients: tuple[str, ...]) -> list[asyncio.Semaphore]:
        """What a request of `clients` takes to go in, in this order (the same for every
        request, so no two wait on each other): each client's share, then a slot."""
        for client in clients:
            self._requests[client] += 1
            if client not in self._shares:
                self._shares[client] = asyncio.Semaphore(self.share)
        return [*(self._shares[client] for client in clients), self.slots]

    def leave(self, clients: tuple[str, ...]) -> None:
        """A request of `clients` is done: a client's share goes with its last request."""
        for client in clients:
            self._requests[client] -= 1
            if not self._requests[client]:
                del self._requests[client], self._shares[client]


def clients_of(scope: Scope) -> tuple[str, ...]:
    """Whose shares a request takes: its address's, and its API key's when it presents one.
    A key counts as presented, verified or not (a made-up key is still bound by its
    address's share), by its digest: no secret is kept."""
    address = "a:" + str((scope.get("client") or ("unknown", 0))[0])
    secret = presented_key(Headers(scope=scope))
    return (address,) if secret is None else (address, "k:" + key_digest(secret).hex())


class Turn:
    """A request's place in the gate: a slot and a share of each of its clients', held while
    the request works inside the app.

    A request hands them back (`release`) while it waits on its client, and takes them
    again (`take`) to go on: while its body arrives (`AdmissionGate._read_body_apart`), and
    a download between its batches (`app.api.v1.exports.in_turns`)."""

    def __init__(self, lines: Lines, clients: tuple[str, ...], queue: int) -> None:
        self._lines = lines
        self._clients = clients
        self._queue = queue
        self._needs = lines.join(clients)
        self.held = False

    async def take(self, wait: float | None) -> bool:
        """Take a slot and the shares: at once when all are free, else in line, in arrival
        order, for up to `wait` seconds (None: as long as it takes, and never refused).
        False when the line already holds `queue` requests or the wait runs out."""
        if any(needed.locked() for needed in self._needs):
            line_full = wait is not None and self._lines.waiting >= self._queue
            if line_full or not await self._wait_for(wait):
                return False
        else:
            for needed in self._needs:
                await needed.acquire()  # all free: taken at once, no timer needed
        self.held = True
        return True

    async def _wait_for(self, wait: float | None) -> bool:
        self._lines.waiting += 1
        taken: list[asyncio.Semaphore] = []
        try:
            async with asyncio.timeout(wait):
                for needed in self._needs:
                    await needed.acquire()
                    taken.append(needed)
        except TimeoutError:
            pass
        finally:
            self._lines.waiting -= 1
            if len(taken) < len(self._needs):  # out of time, or cancelled: give back the rest
                for semaphore in taken:
                    semaphore.release()
        return len(taken) == len(self._needs)

    def release(self) -> None:
        """Hand the slot and the shares back (nothing happens when they are not held)."""
        if self.held:
            self.held = False
            for needed in self._needs:
                needed.release()

    def end(self) -> None:
        """The request is done."""
        self.release()
        self._lines.leave(self._clients)


def sends_a_body(scope: Scope) -> bool:
    """Whether the request says a body follows (a `Content-Length` but 0, or chunked)."""
    return any(
        name == b"transfer-encoding" or (name == b"content-length" and value.strip() != b"0")
        for name, value in scope["headers"]
    )


async def whole_body(receive: Receive, seconds: float) -> Message:
    """The request body as one message, read within `seconds` (a 408 problem past them), or
    the disconnect that cut it short."""
    chunks: list[bytes] = []
    try:
        async with asyncio.timeout(seconds):
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return message
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
    except TimeoutError:
        raise RequestTimeout(
            f"The request body did not arrive within {seconds:g} seconds of the server "
            "starting to read it."
        ) from None
    return {"type": "http.request", "body": b"".join(chunks), "more_body": False}


def turn_of(scope: Scope) -> Turn:
    """The request's `Turn`, as the gate left it in the scope."""
    turn: Turn = scope[TURN]
    return turn


class AdmissionGate:
    """The innermost middleware. A URL with a control character is a 422 first; then at most
    `limit` requests are in the app at once, and at most `share` of one client (an address,
    an API key); `queue` more wait up to `wait` seconds each, in arrival order; the rest get
    503 at once.

    Why: each request holds at most one pooled connection and one threadpool thread, and a
    sync dependency's cleanup (which gives the connection back) needs a thread too. With the
    gate at or below both the pool size and the thread limit, no request ever waits for a
    connection that only a blocked thread can give back, and a burst waits here, in the
    event loop, at no cost to the requests being served. A client's share keeps a few busy
    clients from taking every slot, and a request that waits on its client hands its slot
    back meanwhile (see `Turn`), holding no connection either."""

    def __init__(
        self, app: ASGIApp, limit: int, share: int, queue: int, wait: float, body_wait: float
    ) -> None:
        self.app = app
        self.queue = queue
        self.wait = wait
        self.body_wait = body_wait
        self._lines = LoopLocal(lambda: Lines(limit, share))

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
        turn = Turn(self._lines.get(), clients_of(scope), self.queue)
        try:
            if not await turn.take(self.wait):
                await self._shed(scope, receive, send)
                return
            scope[TURN] = turn
            if sends_a_body(scope):
                receive = self._read_body_apart(receive, turn)
            await self.app(scope, receive, send)
        finally:
            turn.end()

    def _read_body_apart(self, receive: Receive, turn: Turn) -> Receive:
        """The app's `receive` for a request with a body. The app reads the body only once it
        has checked the key (so a client without one is refused before it sends the body),
        and the first read hands the turn back, reads the whole body within `body_wait`
        seconds (a 408 past them) and takes a turn again (a 503 past `wait`), so a client
        trickling its body holds no slot meanwhile. Later reads pass through."""
        read = False

        async def receive_body() -> Message:
            nonlocal read
            if read:
                return await receive()
            read = True
            turn.release()
            message = await whole_body(receive, self.body_wait)
            if message["type"] == "http.request" and not await turn.take(self.wait):
                raise Busy("The server is busy with other requests; retry after Retry-After.")
            return message

        return receive_body

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

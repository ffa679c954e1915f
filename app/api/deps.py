"""Dependencies and response helpers shared by routers."""

import re
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar
from urllib.parse import urlencode

import anyio
import anyio.to_thread
from fastapi import Depends, Request, Response
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from app.api.formats import accepts_json
from app.api.responses import JSONBytes, plain
from app.db import LSN_PATTERN, REPLICA, change_position, has_replayed
from app.db.replica import ReplicaHealth
from app.errors import TIMED_OUT, UNREACHABLE, InvalidParameter, NotFound, unavailable
from app.loop_local import LoopLocal
from app.metrics import DB_READS, REPLICA_FALLBACKS
from app.middleware.trusted_proxies import FROM_TRUSTED_PROXY
from app.queries.common import PageResult
from app.schemas.common import PageParams

T = TypeVar("T")


READ_METHODS = frozenset({"GET", "HEAD"})
# The read-your-writes contract (docs/operating/deploying.md, "Read replicas"): a write answered with this header
# and cookie, and a read presenting either, is served by a database that has the write.
POSITION_HEADER = "X-Change-Position"
READ_AFTER_HEADER = "X-Read-After"
POSITION_COOKIE = "treaty_change_position"
POSITION_COOKIE_SECONDS = 600
_LSN = re.compile(LSN_PATTERN)


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session of the primary, or for a read (GET, HEAD) of the read replica when one is
    configured and has replayed the position the client presents (one cheap query, never
    a wait): otherwise the primary serves the read, so a writer reads its own write. At
    most one connection is held at a time, so each pool stays sized to the admission gate.

    A session connects on first use, in the route's worker thread, so this runs on the event
    loop: only the replica check, and closing a session that still holds a connection, are
    sent to a worker thread (a route that ends its transaction itself, as the lean reads
    do, costs no extra thread hop)."""
    session = await _open_session(request)
    try:
        yield session
    finally:
        if session.in_transaction():
            await anyio.to_thread.run_sync(session.close)
        else:
            session.close()


async def _open_session(request: Request) -> Session:
    replica: sessionmaker[Session] | None = request.app.state.read_sessions
    if replica is None or request.method not in READ_METHODS:
        return request.app.state.sessions()
    health: ReplicaHealth = request.app.state.replica_health
    if not health.usable():
        REPLICA_FALLBACKS.labels(reason=health.measure.state).inc()
        DB_READS.labels(target="primary").inc()
        return request.app.state.sessions()
    position = read_after(request)
    session = replica()
    if position is None or await anyio.to_thread.run_sync(
        falling_back, request, session, lambda s: has_replayed(s, position)
    ):
        DB_READS.labels(target="primary" if is_fallen_back(session) else "replica").inc()
        return session
    await anyio.to_thread.run_sync(session.close)
    DB_READS.labels(target="primary").inc()
    return request.app.state.sessions()


def falling_back(request: Request, session: Session, work: Callable[[Session], T]) -> T:
    """`work(session)`, in a worker thread. Should it fail on the read replica for want of
    the replica (it does not answer, or cancelled the read to replay the primary's changes),
    reads leave the replica (`ReplicaHealth.failed`), and `work` runs again in the same
    session, now of the primary. A read already under way is answered all the same."""
    try:
        return work(session)
    except DBAPIError as exc:
        replica_gone = unavailable(exc) in (TIMED_OUT, UNREACHABLE)
        if not session.info.get(REPLICA) or not (replica_gone or is_recovery_conflict(exc)):
            raise
        session.rollback()
        session.close()
        if replica_gone:
            request.app.state.replica_health.failed(exc)
        REPLICA_FALLBACKS.labels(reason="failed").inc()
        session.bind = request.app.state.engine
        session.info[REPLICA] = False
        return work(session)


def is_fallen_back(session: Session) -> bool:
    """Whether `falling_back` moved this replica session to the primary."""
    return session.info.get(REPLICA) is False


def is_recovery_conflict(exc: DBAPIError) -> bool:
    """A standby cancelled the read to replay the primary's changes (serialization_failure);
    the primary can answer it at once."""
    return getattr(exc.orig, "sqlstate", None) == "40001"


async def json_accepted(request: Request) -> None:
    """`accepts_json` on the event loop (it reads headers only: no thread hop)."""
    accepts_json(request)


class ReadLanes:
    """Where lean reads run their database work: bounded reads (a page the counting index
    answers, a record by id) in one thread of their own, the others in at most `others`
    threads; a read waiting for its lane waits on the event loop, at no cost.

    Why so few threads: a read is mostly Python (statements, rows, JSON), so every thread
    needs the GIL, and SQLite and psycopg release it for each statement. Threads taking
    turns at the GIL cost CPU (context switches, lost caches): measured with one worker
    at 32 connections, the VN list took 1.9 ms of CPU per request with one thread, 2.6 ms
    with two and 3.4 ms with four. Why two lanes: a slow read (a `q` over a million rows,
    SQL counting before the index is ready) must not hold up the quick ones behind it."""

    def __init__(self, bounded: int, others: int) -> None:
        self._limiters = LoopLocal(
            lambda: (anyio.CapacityLimiter(bounded), anyio.CapacityLimiter(others))
        )

    def limiter(self, bounded: bool) -> anyio.CapacityLimiter:
        return self._limiters.get()[0 if bounded else 1]


async def run_read(
    request: Request, session: Session, work: Callable[[Session], T], *, bounded: bool
) -> T:
    """Run a read's database work in one worker-thread hop, in its lane of `ReadLanes`
    (`bounded`: its cost does not grow with the matches), and end its transaction there, so
    the connection is back in the pool before the answer is written."""

    def read() -> T:
        result = falling_back(request, session, work)
        session.commit()
        return result

    lanes: ReadLanes = request.app.state.read_lanes
    return await anyio.to_thread.run_sync(read, limiter=lanes.limiter(bounded))


async def answer(
    request: Request, session: Session, work: Callable[[Session], Any], *, bounded: bool = True
) -> JSONBytes:
    """How every route answers JSON: `work` reads the database and builds the answer (a
    model or plain data) in one worker-thread hop (`run_read`; `bounded`: its cost does not
    grow with the data, a record by id), and the answer is sent as bytes."""
    return JSONBytes(await run_read(request, session, lambda s: plain(work(s)), bounded=bounded))


async def answer_page(
    request: Request,
    session: Session,
    filters: PageParams,
    page_of: Callable[[Session], PageResult],
    items: Callable[[Session, list[Any]], list[Any]],
) -> JSONBytes:
    """A list's answer: the page `page_of` reads and its rows as `items` makes them (what
    they link to read for the whole page at once), in one worker-thread hop, then the
    envelope with `Link: rel=next` while more remain."""

    def work(s: Session) -> tuple[PageResult, list[Any]]:
        page = page_of(s)
        return page, [plain(item) for item in items(s, list(page.rows))]

    page, items = await run_read(request, session, work, bounded=False)
    more = {"facets": page.facets} if page.facets is not None else None
    return paged(request, page, items, limit=filters.limit, offset=filters.offset, more=more)


def each(item: Callable[[Any], Any]) -> Callable[[Session, list[Any]], list[Any]]:
    """The `items` of a list whose rows are made one by one, from nothing but themselves."""
    return lambda session, rows: [item(row) for row in rows]


def paged(
    request: Request,
    page: PageResult,
    items: list[Any],
    *,
    limit: int,
    offset: int,
    cursor_parameter: str = "cursor",
    more: dict[str, Any] | None = None,
) -> JSONBytes:
    """The list envelope of `items` (and `more` keys after it) as bytes, with
    `Link: rel=next` while more remain (see `next_link`)."""
    link = next_link(request, page, limit=limit, offset=offset, cursor_parameter=cursor_parameter)
    body = {
        "items": items,
        "total": page.total,
        "total_exact": page.total_exact,
        "limit": limit,
        "offset": offset,
        "next_cursor": page.next_cursor,
        **(more or {}),
    }
    return JSONBytes(body, headers={"Link": link} if link else None)


async def run_write(work: Callable[[], T]) -> T:
    """A write's whole database work (its transaction, then reading back what it answers) in
    one worker-thread hop."""
    return await anyio.to_thread.run_sync(work)


def read_after(request: Request) -> str | None:
    """The change position the client presents: the header (a 422 if it is not a pg_lsn),
    else the cookie (ignored if malformed: a client cannot easily clear a bad cookie)."""
    header = request.headers.get(READ_AFTER_HEADER)
    if header is not None:
        if not _LSN.fullmatch(header.strip()):
            raise InvalidParameter(
                f"{READ_AFTER_HEADER} must be a change position such as 0/3000060, "
                f"as sent in {POSITION_HEADER}",
                parameter=READ_AFTER_HEADER,
                location="header",
            )
        return header.strip()
    cookie = request.cookies.get(POSITION_COOKIE)
    return cookie if cookie is not None and _LSN.fullmatch(cookie) else None


def mark_change(response: Response, session: Session) -> Response:
    """Give a write's response the WAL position of its commit (header and cookie), when a
    read replica is configured; reads presenting it then see the write."""
    position = change_position(session)
    if position is not None:
        response.headers[POSITION_HEADER] = position
        # By hand: `set_cookie` would quote the value for its "/" (legal in a cookie, RFC
        # 6265), and the cookie is to hold exactly what the header says.
        response.headers.append(
            "Set-Cookie",
            f"{POSITION_COOKIE}={position}; Max-Age={POSITION_COOKIE_SECONDS}; Path=/; "
            "HttpOnly; SameSite=Lax",
        )
    return response


SessionDep = Annotated[Session, Depends(get_session)]


def next_link(
    request: Request,
    page: PageResult,
    *,
    limit: int,
    offset: int,
    cursor_parameter: str = "cursor",
) -> str | None:
    """The `Link` header of a page while more remain.

    Lists with keyset pagination link by cursor (constant cost however deep; the changes
    feed names its cursor `since`); the others by the next offset. Every other query
    parameter is kept as the client sent it.
    """
    if page.next_cursor:
        change = (cursor_parameter, page.next_cursor)
    elif offset + limit < page.total and not request.query_params.get(cursor_parameter):
        change = ("offset", str(offset + limit))
    else:
        return None
    replaced = (cursor_parameter, "offset")
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in replaced]
    query.append(change)
    return f'<{public_url(request, f"{request.url.path}?{urlencode(query)}")}>; rel="next"'


def public_url(request: Request, path: str) -> str:
    """The URL of `path` (and query) on this API, for a `Link` or `Location` header: under
    PUBLIC_BASE_URL when it is set; else, for a request a trusted proxy forwarded, on the
    host and scheme it forwarded; else relative. Never on a `Host` any client could send."""
    base: str | None = request.app.state.public_base_url
    if base:
        return base + path
    if request.scope.get(FROM_TRUSTED_PROXY):
        return f"{request.url.scheme}://{request.url.netloc}{path}"
    return path


def found(record: T | None, what: str, key: str) -> T:
    """The record, or a 404 problem naming what was not found."""
    if record is None:
        raise NotFound(f"no {what} with id {key!r}")
    return record

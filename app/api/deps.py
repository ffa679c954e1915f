"""Dependencies and response helpers shared by routers."""

import re
from collections.abc import Iterator
from typing import Annotated, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session, sessionmaker

from app.db import LSN_PATTERN, change_position, has_replayed
from app.errors import InvalidParameter, NotFound
from app.metrics import DB_READS
from app.queries.common import PageResult
from app.schemas.common import PageParams

T = TypeVar("T")


READ_METHODS = frozenset({"GET", "HEAD"})
# The read-your-writes contract (README "Scaling out"): a write answered with this header
# and cookie, and a read presenting either, is served by a database that has the write.
POSITION_HEADER = "X-Change-Position"
READ_AFTER_HEADER = "X-Read-After"
POSITION_COOKIE = "treaty_change_position"
POSITION_COOKIE_SECONDS = 600
_LSN = re.compile(LSN_PATTERN)


def get_session(request: Request) -> Iterator[Session]:
    """A session of the primary, or for a read (GET, HEAD) of the read replica when one is
    configured and has replayed the position the client presents (one cheap query, never
    a wait): otherwise the primary serves the read, so a writer reads its own write. At
    most one connection is held at a time, so each pool stays sized to the admission gate."""
    replica: sessionmaker[Session] | None = request.app.state.read_sessions
    if replica is None or request.method not in READ_METHODS:
        with request.app.state.sessions() as session:
            yield session
        return
    position = read_after(request)
    with replica() as session:
        if position is None or has_replayed(session, position):
            DB_READS.labels(target="replica").inc()
            yield session
            return
    DB_READS.labels(target="primary").inc()
    with request.app.state.sessions() as session:
        yield session


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


def set_next_link(
    request: Request, response: Response, page: PageResult, *, limit: int, offset: int
) -> None:
    """`Link: <...>; rel="next"` while more remain.

    Lists with keyset pagination link by cursor (constant cost however deep); the others
    by the next offset. Every other query parameter is kept as the client sent it.
    """
    if page.next_cursor:
        change = ("cursor", page.next_cursor)
    elif offset + limit < page.total and not request.query_params.get("cursor"):
        change = ("offset", str(offset + limit))
    else:
        return
    query = [(k, v) for k, v in request.query_params.multi_items() if k not in ("cursor", "offset")]
    query.append(change)
    response.headers["Link"] = f'<{request.url.replace(query=urlencode(query))}>; rel="next"'


def found(record: T | None, what: str, key: str) -> T:
    """The record, or a 404 problem naming what was not found."""
    if record is None:
        raise NotFound(f"no {what} with id {key!r}")
    return record


def page_of(
    request: Request, response: Response, page: PageResult, filters: PageParams, items: list[T]
) -> dict[str, object]:
    """The list envelope for `items`, with the `Link` header set."""
    limit, offset = filters.limit, filters.offset
    set_next_link(request, response, page, limit=limit, offset=offset)
    return {
        "items": items,
        "total": page.total,
        "limit": limit,
        "offset": offset,
        "next_cursor": page.next_cursor,
        "total_exact": page.total_exact,
    }

"""Dependencies and response helpers shared by routers."""

from collections.abc import Iterator
from typing import Annotated, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, Request, Response
from sqlalchemy.orm import Session

from app.errors import NotFound
from app.queries.common import PageResult
from app.schemas.common import PageParams

T = TypeVar("T")


def get_session(request: Request) -> Iterator[Session]:
    with request.app.state.sessions() as session:
        yield session


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

"""Every list with downloads negotiates alike: `Accept: text/csv` or `application/x-ndjson`
on `/<list>` answers as `/<list>.csv` or `/<list>.ndjson` do (the same filters, every match),
and an Accept header that allows none of the three is a 406 naming them.

One ASGI layer in front of the routes, so no list can forget it: the lists are the paths that
have a `.csv` download beside them, found among the API's routes when the app is made. A request
that says `format=` (the agreements' old links) is left to its route.
"""

from collections.abc import Iterable
from urllib.parse import parse_qsl

from fastapi import APIRouter
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.formats import CSV, JSON, NDJSON, negotiate
from app.errors import problem

SUFFIXES = {CSV: ".csv", NDJSON: ".ndjson"}


def downloadable_lists(routers: Iterable[APIRouter], prefix: str) -> frozenset[str]:
    """The paths of the lists that have downloads (`/api/v1/visits` for `/api/v1/visits.csv`)
    among the routes of `routers`, mounted under `prefix`."""
    paths = {prefix + route.path for router in routers for route in router.routes}  # type: ignore[attr-defined]
    return frozenset(path.removesuffix(".csv") for path in paths if path.endswith(".csv")) & paths


class ListFormats:
    def __init__(self, app: ASGIApp, lists: frozenset[str]) -> None:
        self.app = app
        self.lists = lists

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if _asks_for_a_list(scope, self.lists):
            accept = _header(scope, b"accept")
            chosen = negotiate(accept, [JSON, CSV, NDJSON])
            if chosen is None:
                detail = (
                    f"This list is available as {JSON}, {CSV} and {NDJSON}; the Accept "
                    f"header ({accept}) allows none of them."
                )
                await problem(406, "Not acceptable", detail, "not-acceptable")(scope, receive, send)
                return
            if chosen != JSON:  # the route of the download, as if asked for by its path
                scope["path"] += SUFFIXES[chosen]
                scope["raw_path"] = scope["path"].encode()
        await self.app(scope, receive, send)


def _asks_for_a_list(scope: Scope, lists: frozenset[str]) -> bool:
    """A GET or HEAD of a list with downloads that does not say `format=`."""
    return (
        scope["type"] == "http"
        and scope["path"] in lists
        and scope["method"] in ("GET", "HEAD")
        and not _says_format(scope)
    )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _says_format(scope: Scope) -> bool:
    query = scope.get("query_string", b"").decode("latin-1")
    return any(key == "format" for key, _ in parse_qsl(query, keep_blank_values=True))

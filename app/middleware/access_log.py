"""What an operator needs to know about each answered request, once its response has ended:
it is counted in the metrics (by route template, never by raw path) and written to the
access log (`app.access`), with its id (`app.request_id`)."""

import logging
from functools import cache
from urllib.parse import unquote_plus

from prometheus_client import Counter, Histogram
from sqlalchemy import Engine
from starlette.types import Scope

from app.metrics import LATENCY, REQUESTS, observe_pool

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
access_log = logging.getLogger("app.access")
# Query parameters whose value is a secret: the API reads keys from headers only, but a client
# that sends one as `?api_key=` must not find it in the logs.
_SECRET_PARAMETERS = frozenset({"api_key"})


def redact_query(query: str) -> str:
    """The query string with each secret parameter's value replaced by `[redacted]`, its name
    matched as the app would read it (percent-decoded) but in any case."""
    parts = []
    for part in query.split("&"):
        name, equals, _ = part.partition("=")
        if equals and unquote_plus(name).lower() in _SECRET_PARAMETERS:
            part = f"{name}=[redacted]"
        parts.append(part)
    return "&".join(parts)


def route_template(scope: Scope) -> str:
    """The matched route's full path template (`/api/v1/agreements/{agreement_id}`), so the
    metrics have one series per route, never one per id.

    FastAPI (0.16x) leaves `scope["route"]` as the route of the router it was declared on,
    without the prefix it was included under: the prefix is recovered from the request path,
    which ends with the route's path filled in with the path parameters. `static` for files
    served by a mounted app, `unrouted` for requests no route matched or that were answered
    before routing (404, 413, 429).
    """
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not isinstance(template, str):
        return "static" if "endpoint" in scope else "unrouted"
    try:
        filled = template.format(**scope.get("path_params", {}))
    except (KeyError, IndexError, ValueError):
        return template
    path: str = scope.get("path", "")
    return path[: len(path) - len(filled)] + template if path.endswith(filled) else template


@cache
def _series(method: str, route: str, status: int) -> tuple[Counter, Histogram]:
    """The request counter and latency histogram of one method, route and status: looked up
    once (`labels` takes a lock and checks its arguments on every call); there are as many as
    routes times methods times statuses, a bounded number."""
    return REQUESTS.labels(method, route, str(status)), LATENCY.labels(method, route)


def record(
    scope: Scope,
    client: str,
    request_id: str,
    status: int,
    seconds: float,
    engine: Engine | None,
) -> None:
    """Count an answered request in the metrics and write its access log line."""
    method = scope["method"] if scope["method"] in _METHODS else "other"
    requests, latency = _series(method, route_template(scope), status)
    requests.inc()
    latency.observe(seconds)
    if engine is not None:
        observe_pool(engine)
    if not access_log.isEnabledFor(logging.INFO):
        return
    path = scope.get("path", "")
    query = redact_query(scope.get("query_string", b"").decode("latin-1"))
    access_log.info(
        '%s "%s %s" %d %.1f ms',
        client,
        scope["method"],
        f"{path}?{query}" if query else path,
        status,
        seconds * 1000,
        extra={
            "request_id": request_id,
            "client": client,
            "method": scope["method"],
            "path": path,
            "query": query or None,
            "status": status,
            "duration_ms": round(seconds * 1000, 2),
        },
    )

"""One outermost ASGI layer for what an operator needs to know about each request.

It decides who the client is (trusted proxies only, `app.proxies`), gives the request an id
(`X-Request-ID`: the client's when sane, else a new one) that goes back on the response,
into every log line and every problem body, and, once the response has ended, counts it in
the metrics (by route template, never by raw path) and writes the access log line.
"""

import logging
import re
import time
import uuid
from contextvars import ContextVar

from sqlalchemy import Engine
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.metrics import LATENCY, REQUESTS, observe_pool
from app.proxies import TrustedProxies

REQUEST_ID_HEADER = "X-Request-ID"
# Bounded and safe to echo into headers, logs and JSON: a trace id of any common system fits.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)
access_log = logging.getLogger("app.access")


def current_request_id() -> str | None:
    """The id of the request being handled in this context, if any."""
    return _request_id.get()


def request_id_from(headers: Headers) -> str:
    given = headers.get("x-request-id", "")
    return given if _SANE_REQUEST_ID.fullmatch(given) else uuid.uuid4().hex


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


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, proxies: TrustedProxies, engine: Engine | None = None):
        self.app = app
        self.proxies = proxies
        self.engine = engine

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        peer = str((scope.get("client") or ("unknown", 0))[0])
        client, scheme = self.proxies.resolve(peer, headers)
        if client != peer:
            scope["client"] = (client, 0)
        if scheme:
            scope["scheme"] = scheme
        request_id = request_id_from(headers)
        _request_id.set(request_id)  # not reset: the 500 handler, outside, still reads it
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before answering

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            self._record(scope, client, request_id, status, time.perf_counter() - started)

    def _record(
        self, scope: Scope, client: str, request_id: str, status: int, seconds: float
    ) -> None:
        method = scope["method"] if scope["method"] in _METHODS else "other"
        route = route_template(scope)
        REQUESTS.labels(method, route, str(status)).inc()
        LATENCY.labels(method, route).observe(seconds)
        if self.engine is not None:
            observe_pool(self.engine)
        path = scope.get("path", "")
        query = scope.get("query_string", b"").decode("latin-1")
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

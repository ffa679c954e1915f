"""The outermost ASGI layer: what every request and every response gets, in one pass.

For each HTTP request, in this order:

1. who the client is (trusted proxies only, `app.middleware.trusted_proxies`) and the
   scheme it came by;
2. its id (`app.request_id`);
3. request headers too large: 431 (`app.middleware.admission.oversized_headers`), before
   anything else reads them; it carries the request id and nothing more;
4. a CORS preflight is answered here, as Starlette's `CORSMiddleware` decides it;
5. otherwise the app runs, and an unexpected exception it raises becomes a 500 problem here,
   so the keep-alive connection stays usable (Starlette's outermost handler closes it);
6. once the response has ended: metrics and the access log line. A client that went away
   before the response ended (a download closed part way, a request given up on) is logged
   and counted as 499, "client closed request" (nginx's status), never as a 500: there is
   nothing to answer and no server error to trace.

Every response but the 431 gets, in one `send` wrapper and one pass over its headers: the
request id, the security headers (nosniff, no referrer, no framing, cross-origin reads
allowed; HSTS over https only; a CSP that allows nothing on JSON), each only where the route
did not set its own, and CORS: any origin may read, without credentials, so a request with an
`Origin` gets the same fixed headers, and every response adds `Origin` to `Vary` (as
Starlette's `CORSMiddleware` does). So do 429, 413, 503 and 500 answers, made further in.
"""

import logging
import time
from collections.abc import Iterable
from typing import Any

from fastapi.middleware.cors import CORSMiddleware
from sqlalchemy import Engine
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import internal_error
from app.middleware.access_log import record
from app.middleware.admission import oversized_headers
from app.middleware.trusted_proxies import FROM_TRUSTED_PROXY, TrustedProxies
from app.request_id import REQUEST_ID_HEADER, request_id_from, set_request_id

logger = logging.getLogger("app.errors")

CORS: dict[str, Any] = {
    "allow_origins": ["*"],
    "allow_methods": ["GET", "HEAD", "POST", "PATCH", "DELETE"],
    "allow_headers": [
        "Authorization",
        "X-API-Key",
        "If-Match",
        "If-None-Match",
        "Content-Type",
        "X-Read-After",
        "X-Request-ID",
    ],
    "expose_headers": [
        "ETag",
        "Link",
        "Location",
        "Retry-After",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
        "X-Request-ID",
        "X-Change-Position",
    ],
    "max_age": 3600,
}
SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-resource-policy", b"cross-origin"),
)
HSTS = (b"strict-transport-security", b"max-age=31536000")
JSON_CONTENT_SECURITY_POLICY = "default-src 'none'; frame-ancestors 'none'"
_CSP = (b"content-security-policy", JSON_CONTENT_SECURITY_POLICY.encode())
_JSON_TYPES = frozenset({b"application/json", b"application/problem+json"})
_ID = REQUEST_ID_HEADER.lower().encode()

CLIENT_CLOSED_REQUEST = 499
"""The status logged and counted for a request whose client went away before its response
ended (nginx's; no client ever receives it)."""
# What a response gets: only the request id (431), the security headers too (a preflight,
# which carries its own CORS headers), or everything.
ID_ONLY, SECURE, ALL = 0, 1, 2


def _preflight(scope: Scope, headers: Headers) -> bool:
    return scope["method"] == "OPTIONS" and "access-control-request-method" in headers


class OutermostMiddleware:
    def __init__(self, app: ASGIApp, proxies: TrustedProxies, engine: Engine | None = None):
        self.app = app
        self.proxies = proxies
        self.engine = engine
        self.cors = CORSMiddleware(app, **CORS)
        self.cors_headers = [
            (name.lower().encode("latin-1"), value.encode("latin-1"))
            for name, value in self.cors.simple_headers.items()
        ]
        self.cors_names = frozenset(name for name, _ in self.cors_headers)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = Headers(scope=scope)
        peer = str((scope.get("client") or ("unknown", 0))[0])
        client, scheme = self.proxies.resolve(peer, headers)
        scope[FROM_TRUSTED_PROXY] = bool(self.proxies) and self.proxies.trusts(peer)
        if client != peer:
            scope["client"] = (client, 0)
        if scheme:
            scope["scheme"] = scheme
        https = scope.get("scheme") == "https"
        request_id = request_id_from(headers)
        set_request_id(request_id)
        has_origin = "origin" in headers
        status = 500  # what the client gets if the app raises before answering
        answered = ended = gone = False
        extent = ALL

        async def receive_watched() -> Message:
            nonlocal gone
            message = await receive()
            if message["type"] == "http.disconnect":
                gone = True
            return message

        async def send_with_headers(message: Message) -> None:
            nonlocal status, answered, ended, gone
            if message["type"] == "http.response.start":
                status = message["status"]
                answered = True
                message["headers"] = self._response_headers(
                    message.get("headers", ()), request_id, extent, https, has_origin
                )
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                ended = True
            try:
                await send(message)
            except OSError:  # a server on ASGI spec 2.4 says so here: the client is gone
                gone = True
                raise

        try:
            if (refusal := oversized_headers(scope["headers"])) is not None:
                extent = ID_ONLY
                await refusal(scope, receive_watched, send_with_headers)
            elif has_origin and _preflight(scope, headers):
                extent = SECURE
                await self.cors.preflight_response(headers)(
                    scope, receive_watched, send_with_headers
                )
            else:
                try:
                    await self.app(scope, receive_watched, send_with_headers)
                except Exception:
                    if gone:  # nobody to answer: not a server error (499 below)
                        logger.debug("client went away on %s", scope["path"], exc_info=True)
                        return
                    if answered:  # half a response went out: only closing the connection is honest
                        raise
                    logger.exception("unhandled error on %s %s", scope["method"], scope["path"])
                    await internal_error()(scope, receive_watched, send_with_headers)
        finally:
            if gone and not ended:
                status = CLIENT_CLOSED_REQUEST
            record(scope, client, request_id, status, time.perf_counter() - started, self.engine)

    def _response_headers(
        self,
        raw: Iterable[tuple[bytes, bytes]],
        request_id: str,
        extent: int,
        https: bool,
        has_origin: bool,
    ) -> list[tuple[bytes, bytes]]:
        """The response's headers with ours added, those the route set itself kept (but a
        request id or CORS header of its own, which ours replace)."""
        cors = extent == ALL
        replaced = self.cors_names if cors and has_origin else frozenset()
        headers: list[tuple[bytes, bytes]] = []
        names: set[bytes] = set()
        vary: list[bytes] = []
        media_type = b""
        for name, value in raw:
            lowered = name.lower()
            if cors and lowered == b"vary":
                vary.append(value)
                continue
            if lowered == _ID or lowered in replaced:
                continue
            if lowered == b"content-type":
                media_type = value.split(b";")[0].strip().lower()
            names.add(lowered)
            headers.append((name, value))
        if extent != ID_ONLY:
            headers += [header for header in SECURITY_HEADERS if header[0] not in names]
            if https and HSTS[0] not in names:
                headers.append(HSTS)
            if media_type in _JSON_TYPES and _CSP[0] not in names:
                headers.append(_CSP)
        if cors:
            if has_origin:
                headers += self.cors_headers
            headers.append((b"vary", b", ".join([*vary, b"Origin"])))
        headers.append((_ID, request_id.encode("latin-1")))
        return headers

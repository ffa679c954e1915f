"""ETag, 304, Cache-Control, Vary and gzip for GET responses, and HEAD wherever GET is, in
one pure ASGI layer.

The ETag is a strong validator: the SHA-256 of the exact (uncompressed) JSON body, with
`-gzip` inside the quotes when the body is sent gzipped (a strong validator changes with the
content coding, RFC 9110 8.8.3). Streamed responses (no Content-Length) pass through
untouched; they set their own Cache-Control.
"""

import hashlib
from functools import partial

from starlette.datastructures import MutableHeaders
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_NOT_COMPRESSED = frozenset(DEFAULT_EXCLUDED_CONTENT_TYPES)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


GZIPPED = "-gzip"


def coded(etag: str) -> str:
    """The ETag of the gzipped representation of the body tagged `etag`."""
    return etag[:-1] + GZIPPED + '"'


def uncoded(etag: str) -> str:
    """`etag` with any content coding taken off: the tag of the body the client read, for
    If-Match on a write, whichever coding it was read in."""
    return etag.replace(GZIPPED + '"', '"')


def etag_matches(header: str | None, etag: str) -> bool:
    """RFC 9110 weak comparison for If-None-Match: `*`, or any listed tag, W/ ignored."""
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


def strong_match(header: str, etag: str) -> bool:
    """RFC 9110 strong comparison for If-Match on a write: only the exact strong tag counts.
    A weak tag (`W/"..."`) or `*` proves nothing about which version the client read."""
    return etag in (t.strip() for t in header.split(","))


def vary_accept(headers: MutableHeaders) -> None:
    """Say that the representation depends on `Accept` (JSON, CSV or a 406), once."""
    vary = [v.strip().lower() for v in headers.get("vary", "").split(",")]
    if "accept" not in vary:
        headers.add_vary_header("Accept")


class HttpCacheMiddleware:
    """GET and HEAD: ETag and 304, Cache-Control and `Vary: Accept`; gzip for clients that
    accept it; HEAD answered wherever GET is. Other methods pass by untouched.

    A HEAD runs the GET and sends its status and headers (Content-Length and ETag included)
    without the body; bulk downloads see `scope["head"]` and skip producing their rows (see
    app.api.formats). Compression is Starlette's `GZipMiddleware`, in the path only when the
    request accepts gzip; the ETag is taken inside it, from the uncompressed body.
    """

    def __init__(self, app: ASGIApp, max_age: int = 60, gzip_minimum_size: int = 1000) -> None:
        self.app = app
        self.cache_control = f"public, max-age={max_age}"
        self.gzip_minimum_size = gzip_minimum_size
        self.gzip = GZipMiddleware(
            partial(self.respond, identity=False), minimum_size=gzip_minimum_size
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "HEAD":
            scope = {**scope, "method": "GET", "head": True}
            send = _headers_only(send)
        if any(name == b"accept-encoding" and b"gzip" in value for name, value in scope["headers"]):
            await self.gzip(scope, receive, send)
        else:
            await self.respond(scope, receive, send, identity=True)

    async def respond(self, scope: Scope, receive: Receive, send: Send, identity: bool) -> None:
        """Run the GET. A complete 200 (with Content-Length, storable) is held until its body
        is in, then sent with its ETag, or as a 304 when `If-None-Match` names it.

        Sent uncompressed (`identity`), a response that gzip would have compressed says that
        it varies by `Accept-Encoding`, as Starlette's `GZipMiddleware` says it."""
        start: Message | None = None  # a storable 200, held until its body is in
        held: Message | None = None  # any other start, held until its first body (identity)
        chunks: list[bytes] = []

        async def send_with_etag(message: Message) -> None:
            nonlocal start, held
            if message["type"] == "http.response.start":
                if _storable(message):
                    start = message
                    return
                vary_accept(MutableHeaders(scope=message))
                if identity:
                    held = message
                else:
                    await send(message)
                return
            if held is not None:
                first, held = held, None
                if message["type"] == "http.response.body" and self._compressible(
                    first, message.get("body", b""), message.get("more_body", False)
                ):
                    MutableHeaders(scope=first).add_vary_header("Accept-Encoding")
                await send(first)
                await send(message)
                return
            if start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await self._send_tagged(scope, start, b"".join(chunks), send, identity)

        await self.app(scope, receive, send_with_etag)

    async def _send_tagged(
        self, scope: Scope, start: Message, body: bytes, send: Send, identity: bool
    ) -> None:
        compressible = self._compressible(start, body, more_body=False)
        etag = etag_of(body) if identity or not compressible else coded(etag_of(body))
        headers = MutableHeaders(raw=start["headers"])
        vary_accept(headers)
        headers["ETag"] = etag
        headers.setdefault("Cache-Control", self.cache_control)
        if etag_matches(_if_none_match(scope), etag):
            del headers["content-length"]
            if "content-type" in headers:
                del headers["content-type"]
            if compressible:  # the 200 varies by Accept-Encoding, so its 304 says so too
                headers.add_vary_header("Accept-Encoding")
            await send({**start, "status": 304, "headers": headers.raw})
            await send({"type": "http.response.body", "body": b""})
            return
        if identity and compressible:
            headers.add_vary_header("Accept-Encoding")
        await send({**start, "headers": headers.raw})
        await send({"type": "http.response.body", "body": body})

    def _compressible(self, start: Message, first_body: bytes, more_body: bool) -> bool:
        """Whether `GZipMiddleware` would compress this response for a client accepting gzip."""
        if start["status"] == 206 or (len(first_body) < self.gzip_minimum_size and not more_body):
            return False
        media_type = ""
        for name, value in start["headers"]:
            if name == b"content-encoding":
                return False
            if name == b"content-type":
                media_type = value.decode("latin-1").partition(";")[0].strip().lower()
        return {media_type, media_type.partition("/")[0] + "/*"}.isdisjoint(_NOT_COMPRESSED)


def _if_none_match(scope: Scope) -> str | None:
    for name, value in scope["headers"]:
        if name == b"if-none-match":
            return value.decode("latin-1")
    return None


def _storable(start: Message) -> bool:
    """A 200 of known length that may be stored: the only answers an ETag is given."""
    if start["status"] != 200:
        return False
    sized = False
    for name, value in start.get("headers", ()):
        if name == b"content-length":
            sized = True
        elif name == b"cache-control" and b"no-store" in value:
            return False
    return sized


def _headers_only(send: Send) -> Send:
    """A `send` that lets the status and headers through and one empty body, nothing else."""
    done = False

    async def headers_only(message: Message) -> None:
        nonlocal done
        if message["type"] == "http.response.start":
            await send(message)
        elif not done:
            done = True
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    return headers_only

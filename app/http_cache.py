"""ETag, 304, Cache-Control and Vary for GET responses, and HEAD wherever GET is, as pure
ASGI middleware.

The ETag is a strong validator: the SHA-256 of the exact (uncompressed) JSON body. Streamed
responses (no Content-Length) pass through untouched; they set their own Cache-Control.
"""

import hashlib

from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


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
    def __init__(self, app: ASGIApp, max_age: int = 60) -> None:
        self.app = app
        self.cache_control = f"public, max-age={max_age}"

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        if_none_match = Headers(scope=scope).get("if-none-match")
        start: Message | None = None
        chunks: list[bytes] = []
        passthrough = False

        async def wrapped_send(message: Message) -> None:
            nonlocal start, passthrough
            if message["type"] == "http.response.start":
                headers = Headers(raw=message["headers"])
                uncacheable = "no-store" in headers.get("cache-control", "")
                if message["status"] != 200 or "content-length" not in headers or uncacheable:
                    passthrough = True
                    vary_accept(MutableHeaders(scope=message))
                    await send(message)
                else:
                    start = message
                return
            if passthrough or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            body = b"".join(chunks)
            etag = etag_of(body)
            headers = MutableHeaders(raw=start["headers"])
            vary_accept(headers)
            headers["ETag"] = etag
            headers.setdefault("Cache-Control", self.cache_control)
            if etag_matches(if_none_match, etag):
                del headers["content-length"]
                if "content-type" in headers:
                    del headers["content-type"]
                await send({**start, "status": 304, "headers": headers.raw})
                await send({"type": "http.response.body", "body": b""})
                return
            await send({**start, "headers": headers.raw})
            await send({"type": "http.response.body", "body": body})

        await self.app(scope, receive, wrapped_send)


class HeadMiddleware:
    """Answer HEAD wherever GET is answered: run the GET and send its status and headers
    (Content-Length and ETag included) without the body. Bulk downloads see the method
    and skip producing their rows (see app.api.formats)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return
        done = False

        async def headers_only(message: Message) -> None:
            nonlocal done
            if message["type"] == "http.response.start":
                await send(message)
            elif not done:
                done = True
                await send({"type": "http.response.body", "body": b"", "more_body": False})

        await self.app({**scope, "method": "GET", "head": True}, receive, headers_only)

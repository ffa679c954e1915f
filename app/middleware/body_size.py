"""The request body cap: 413 problem+json for a body over it, from `Content-Length` up front,
or while a chunked body is being read."""

import re

from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.errors import problem

_DIGITS = re.compile(r"[0-9]+")


def _unsized_body(scope: Scope, headers: Headers) -> bool:
    """Whether a body of a length not declared up front may come, to be counted as it is
    read. An HTTP/1 server delivers no more than `Content-Length`, and no body at all to a
    request without it or `Transfer-Encoding`; HTTP/2 and 3 frame bodies without either."""
    if "content-length" in headers:
        return False
    return "transfer-encoding" in headers or scope.get("http_version") not in ("1.0", "1.1")


class _BodyTooLarge(Exception):
    """Raised from `receive` once the body read so far is over the cap."""


class BodySizeLimitMiddleware:
    def __init__(self, app: ASGIApp, max_body_bytes: int = 1_000_000) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    def _too_large(self) -> JSONResponse:
        return problem(
            413,
            "Payload too large",
            f"The request body is larger than the limit of {self.max_body_bytes} bytes.",
            "payload-too-large",
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.max_body_bytes <= 0:
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        declared = headers.get("content-length", "").strip()
        if _DIGITS.fullmatch(declared) and int(declared) > self.max_body_bytes:
            response = self._too_large()
            await response(scope, receive, send)
            return
        if not _unsized_body(scope, headers):
            await self.app(scope, receive, send)
            return

        received = 0
        started = False  # the inner app has begun its response
        replaced = False  # the inner app's response is dropped and a 413 sent instead

        async def counting_receive() -> Message:
            nonlocal received, replaced
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    replaced = not started
                    raise _BodyTooLarge(f"request body over {self.max_body_bytes} bytes")
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if replaced:
                return  # whatever the app makes of the aborted read, the client gets the 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            # The app may let _BodyTooLarge through, wrap it, or turn it into its own error
            # (FastAPI answers 400 to a body it could not read): all the same here.
            if not replaced:
                raise
        if replaced:
            response = self._too_large()
            await response(scope, receive, send)

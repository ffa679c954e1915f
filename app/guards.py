"""Reject control characters in the URL before any handler sees them.

PostgreSQL refuses NUL in text, and no identifier or search term here needs any control
character, so such a request is answered 422 up front instead of failing deep in a driver.
"""

import re
from urllib.parse import unquote

from starlette.types import ASGIApp, Receive, Scope, Send

from app.errors import problem

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ControlCharacterGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            query = unquote(scope.get("query_string", b"").decode("latin-1"))
            if _CONTROL.search(scope.get("path", "")) or _CONTROL.search(query):
                response = problem(
                    422,
                    "Invalid parameter",
                    "The URL contains a control character (such as NUL).",
                    "invalid-parameter",
                    errors=[
                        {
                            "parameter": "url",
                            "location": "query",
                            "message": "control characters are not allowed",
                        }
                    ],
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

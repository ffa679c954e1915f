"""The HTTP/1.1 protocol the server speaks: uvicorn's (httptools), taking a raw UTF-8 request
target as its percent-encoded form.

curl sends a pasted URL as typed (`/api/v1/countries?q=Azərbaycan`, its bytes raw), which
the HTTP grammar does not allow and httptools refuses before the app sees it, with a
text/plain 400. Browsers and HTTP libraries percent-encode; here the request line's bytes
outside ASCII are percent-encoded before parsing, which is what they would have sent. A
request that still cannot be parsed is a problem+json 400 that says what to do.
"""

import re

import orjson
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

_NOT_ASCII = re.compile(rb"[\x80-\xff]")
_UNPARSABLE = orjson.dumps(
    {
        "type": "/problems/bad-request",
        "title": "Bad request",
        "status": 400,
        "detail": "The request is not valid HTTP/1.1. Percent-encode characters outside ASCII "
        "and spaces in the URL (%20), and send one request line and its headers.",
    }
)


def _percent_encoded(match: re.Match[bytes]) -> bytes:
    return b"%%%02X" % match[0][0]


class RequestTargetProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, with each request line's non-ASCII bytes percent-encoded
    before the parser reads them, and a problem+json 400 for what it cannot parse."""

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.in_request_line = True

    def data_received(self, data: bytes) -> None:
        if self.in_request_line:
            end = data.find(b"\n")
            line, rest = (data, b"") if end < 0 else (data[:end], data[end:])
            self.in_request_line = end < 0
            if not line.isascii():
                data = _NOT_ASCII.sub(_percent_encoded, line) + rest
        super().data_received(data)

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self.in_request_line = True  # the next bytes on this connection start a request

    def send_400_response(self, msg: str) -> None:
        self.transport.write(
            b"HTTP/1.1 400 Bad Request\r\n"
            + b"".join(
                name + b": " + value + b"\r\n" for name, value in self.server_state.default_headers
            )
            + b"content-type: application/problem+json\r\n"
            + b"content-length: %d\r\n" % len(_UNPARSABLE)
            + b"connection: close\r\n\r\n"
            + _UNPARSABLE
        )
        self.transport.close()

"""JSON answered as bytes the app serialized itself, once."""

from typing import Any

import orjson
from starlette.responses import Response


class JSONBytes(Response):
    """A JSON response from plain data (dicts, lists, strings, numbers), serialized once by
    orjson. For data the app built itself to a schema's shape (tested against the schema),
    so nothing is validated again on the way out; the route still declares its
    `response_model` for the spec."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)

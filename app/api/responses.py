"""JSON answered as bytes the app serialized itself, once."""

from typing import Any

import orjson
from pydantic import BaseModel
from starlette.responses import Response


def plain(value: Any) -> Any:
    """A model as the plain data of its JSON (by alias, as FastAPI would send it); plain
    data as it is."""
    return value.model_dump(mode="json", by_alias=True) if isinstance(value, BaseModel) else value


class JSONBytes(Response):
    """A JSON response from plain data (dicts, lists, strings, numbers) or a model, serialized
    once by orjson. For data the app built itself to a schema's shape (tested against the
    schema), so nothing is validated again on the way out; the route declares its
    `response_model` for the spec. Every JSON answer of the API is one, so the same data
    always gives the same bytes (and ETag)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(plain(content))

"""Pieces every resource router shares: path parameters and operation names."""

from typing import Annotated, Any

from fastapi import Path

from app.kinds.registry import KINDS
from app.schemas.common import SLUG


def record_id(name: str, example: str) -> Any:
    """The `{<name>_id}` path parameter: one name per resource on every path (GET, PATCH,
    DELETE, history), so a generated client has one argument for it."""
    return Annotated[
        str,
        Path(
            alias=f"{name}_id",
            pattern=SLUG,
            examples=[example],
            description=f"The {name}'s id (a readable slug).",
        ),
    ]


def with_article(noun: str) -> str:
    """`an agreement`, `a visit`."""
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def record_path(record_type: str, record_id: str, a: str | None, b: str | None) -> str:
    """The API path that shows a record: a milestone of relations (`relation`) is shown by
    its countries' relations (`a`, `b`), an agreement's event by its agreement (`a`), any
    other record by its own path."""
    if record_type == "relation":
        return f"/api/v1/relations/{a}/{b}"
    if record_type == "event":
        return f"/api/v1/agreements/{a}"
    return f"/api/v1/{KINDS[record_type].plural}/{record_id}"

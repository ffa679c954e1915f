"""Pieces every resource router shares: path parameters and operation names."""

from typing import Annotated, Any

from fastapi import Path

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

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from typing_extensions import TypeAliasType

from app.schemas.common import ASCII_DIGITS, Out, QueryInt
from app.schemas.enums import ChangeAction, KeyScope

WRITABLE_TYPE = "x-writable-type"
"""Marks a record type in the spec: `app.api.openapi` makes it the `WritableType` enum of
the kinds the API writes (`app.kinds`), and `app.queries.changes` refuses any other."""
RecordTypeName = Annotated[
    str,
    Field(
        min_length=1, max_length=20, pattern=r"^[a-z]+$", json_schema_extra={WRITABLE_TYPE: True}
    ),
]


class ChangeQuery(BaseModel):
    """The feed's filters, shared by its pages and its exports."""

    model_config = ConfigDict(extra="forbid")

    since: QueryInt = Field(
        0,
        ge=0,
        le=2**31 - 1,
        examples=[0],
        description="Only changes after this one (the "
        "`id` of the last change you applied, or `next_cursor`).",
    )
    record_type: RecordTypeName | None = Field(
        None, examples=["agreement"], description="Only changes to this kind of record."
    )


class ChangeFilters(ChangeQuery):
    limit: QueryInt = Field(100, ge=1, le=1000, examples=[100], description="Changes per page.")


class HistoryFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: QueryInt = Field(
        20, ge=1, le=100, examples=[20], description="Changes per page (1–100)."
    )
    cursor: Annotated[int, Field(ge=0, le=2**31 - 1), ASCII_DIGITS] | None = Field(
        None,
        examples=[42],
        description="From the previous page's `next_cursor` (or its `Link: rel=next`).",
    )


RecordSnapshot = TypeAliasType(
    "RecordSnapshot",
    Annotated[
        dict[str, Any],
        Field(
            description="A record as stored, in its kind's write shape (`AgreementCreate`, "
            "`VisitCreate`, ...; the change's `record_type` says which)."
        ),
    ],
)
"""A named schema, so generated clients get one `RecordSnapshot` type for `before` and `after`
rather than an anonymous object each."""


class Change(Out):
    """One write: who, when, what, and the record before and after it (seed-file shape)."""

    id: int = Field(description="Increases with every write: the feed's cursor.")
    at: datetime
    actor: str = Field(description="Name of the API key that wrote it.")
    action: ChangeAction
    record_type: RecordTypeName
    record_id: str
    before: RecordSnapshot | None = Field(description="Null for a create.")
    after: RecordSnapshot | None = Field(description="Null for a delete (a tombstone).")


KEY_NAME = r"^[A-Za-z0-9_.@-]+$"


class KeyIn(BaseModel):
    name: str = Field(min_length=1, max_length=100, pattern=KEY_NAME, examples=["curator"])
    scope: KeyScope = Field(examples=["write"])


class KeyOut(Out):
    name: str
    scope: KeyScope
    prefix: str = Field(description="The key's first characters, to recognise it.")
    created_at: datetime
    revoked_at: datetime | None


class KeyCreated(KeyOut):
    key: str = Field(description="The secret: shown this once, stored only as a hash.")

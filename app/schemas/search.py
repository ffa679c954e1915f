from pydantic import Field

from app.schemas.common import PageParams, QueryText, RecordEntry
from app.schemas.enums import RecordKind


class SearchFilters(PageParams):
    q: QueryText = Field(
        examples=["binh son"],
        description="Words to find (case- and accent-insensitive) in every kind of record.",
    )
    kind: list[RecordKind] = Field(
        [], max_length=5, examples=[["agreement"]], description="Only these kinds of record."
    )


class SearchHit(RecordEntry):
    kind: RecordKind
    id: str
    title: str = Field(description="Title or name.")
    date: str | None = None
    url: str = Field(description="Path of the record's detail view.")

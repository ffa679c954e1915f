from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import (
    CitationOut,
    CursorParams,
    Faceted,
    Out,
    cursor_field,
    facets_field,
)
from app.schemas.enums import SourceFacet


class SourceQuery(BaseModel):
    """The source documents have no filters: every one, in id order."""

    model_config = ConfigDict(extra="forbid")


class SourceFilters(SourceQuery, CursorParams, Faceted):
    """Paging through the source documents (in id order)."""

    facets: list[SourceFacet] = facets_field("sources", "kind")


class SourceOut(Out):
    id: str = Field(examples=["vns-baku-signing-ceremony-2025"])
    title: str
    kind: str
    publisher: str | None
    language: str | None
    url: str | None
    published: str | None
    sha256: str = Field(description="SHA-256 of the document's bytes (UTF-8).")


class SourceDetail(SourceOut):
    notes: str | None
    filename: str
    text: str = Field(description="The full text, verbatim.")


class SourceCitationFilters(CursorParams):
    """Paging through a source's citations, in the order their quotes stand in its text."""

    cursor: str | None = cursor_field("WyJwb3NpdGlvbiIsMCwxXQ")


class CitedRecord(Out):
    """The record a citation supports."""

    type: str = Field(
        description="Its kind: a record kind of the API (`agreement`, `visit`, ...), "
        "`relation` for a milestone of relations, `event` for an agreement's event.",
        examples=["agreement"],
    )
    id: str = Field(examples=["strategic-partnership-declaration-vn-az-2025"])
    title: str = Field(description="Its title or name (an event's: its action).")
    url: str = Field(
        description="The API path that shows it (a milestone's: its countries' relations; "
        "an event's: its agreement).",
        examples=["/api/v1/agreements/strategic-partnership-declaration-vn-az-2025"],
    )


class SourceCitationOut(CitationOut):
    """A passage of the source quoted by a record, and the record it supports (the passages
    that `/sources/{id}` highlights in the text)."""

    record: CitedRecord

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import CursorParams, Faceted, Out, facets_field
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

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import (
    CitationOut,
    CountryParam,
    CountryRef,
    CursorParams,
    DatedOut,
    DiscrepancyOut,
    Faceted,
    ProvenancedOut,
    QueryText,
    cursor_field,
    facets_field,
)
from app.schemas.enums import BodyKind, MemberFacet


class BodyQuery(BaseModel):
    """The filters of the standing bodies list, shared by its pages and its exports."""

    model_config = ConfigDict(extra="forbid")

    country: CountryParam | None = Field(
        None,
        examples=["AZ"],
        description="A member country (alpha-2/3, any case; predecessors too).",
    )
    kind: BodyKind | None = Field(
        None, examples=["intergovernmental-committee"], description="Kind of body."
    )
    q: QueryText | None = Field(
        None, examples=["intergovernmental"], description="Words in names, aliases or summary."
    )


class BodyFilters(BodyQuery, CursorParams, Faceted):
    cursor: str | None = cursor_field(
        "WyJuYW1lIiwiVmnhu4d0IE5hbeKAk0F6ZXJiYWlqYW4gSW50ZXJnb3Zlcm5tZW50YWwgQ29tbWl0dGVl"
        "IG9uIGVjb25vbWljLCB0cmFkZSwgc2NpZW50aWZpYyBhbmQgdGVjaG5pY2FsIGNvb3BlcmF0aW9uIiwiaW50ZXJnb3Zlcm5tZW50YWwtY29tbWl0dGVlLXZuLWF6Il0"
    )
    facets: list[MemberFacet] = facets_field("bodies", "kind")


class BodyOut(DatedOut, ProvenancedOut):
    """A standing body: an intergovernmental committee or commission. `date` is when it was
    established, where a source says."""

    record_kind = "body"

    id: str = Field(examples=["intergovernmental-committee-vn-az"])
    name: str
    kind: BodyKind
    country_ids: list[str] = Field(description="Member countries.")

    @classmethod
    def of(cls, row: object) -> "BodyOut":
        columns = ("id", "name", "kind", "date", "date_precision", "date_inferred", "provenance")
        return cls.model_validate(
            {
                **{c: getattr(row, c) for c in columns},
                "country_ids": [c.country_id for c in row.countries],  # type: ignore[attr-defined]
            }
        )


class BodyDetail(BodyOut):
    aliases: list[str]
    summary: str | None
    countries: list[CountryRef]
    citations: list[CitationOut]
    discrepancies: list[DiscrepancyOut]

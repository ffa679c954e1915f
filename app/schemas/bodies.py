from pydantic import Field

from app.schemas.common import (
    CitationOut,
    CountryRef,
    CursorParams,
    DatedDetailOut,
    DatedOut,
    DiscrepancyOut,
    ProvenancedOut,
    QueryText,
)
from app.vocabulary import BodyKind


class BodyFilters(CursorParams):
    country: str | None = Field(
        None,
        min_length=1,
        max_length=40,
        examples=["AZ"],
        description="A member country (alpha-2/3, any case; predecessors too).",
    )
    kind: BodyKind | None = Field(
        None, examples=["intergovernmental-committee"], description="Kind of body."
    )
    q: QueryText | None = Field(
        None, examples=["intergovernmental"], description="Words in names, aliases or summary."
    )


class BodyOut(DatedOut, ProvenancedOut):
    """A standing body: an intergovernmental committee or commission. `date` is when it was
    established, where a source says."""

    id: str = Field(examples=["intergovernmental-committee-vn-az"])
    name: str
    kind: str
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


class BodyDetail(BodyOut, DatedDetailOut):
    aliases: list[str]
    summary: str | None
    countries: list[CountryRef]
    citations: list[CitationOut]
    discrepancies: list[DiscrepancyOut]

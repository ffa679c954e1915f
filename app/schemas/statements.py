from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import (
    TRY_IT,
    CitationOut,
    CountryParam,
    CountryRef,
    CursorParams,
    DatedOut,
    DateParam,
    DiscrepancyOut,
    Faceted,
    ProvenancedOut,
    QueryText,
    SectorParam,
    SignatoryParam,
    VisitParam,
    cursor_field,
    facets_field,
)
from app.schemas.enums import Sort, StatementFacet, StatementKind
from app.schemas.refs import AgreementRef, SectorRef, SignatoryRef, VisitRef

MAX_REPEAT = 10


class StatementQuery(BaseModel):
    """The filters and sort of the statements list, shared by its pages and its exports."""

    model_config = ConfigDict(extra="forbid")

    country: list[CountryParam] = Field(
        [],
        max_length=MAX_REPEAT,
        examples=[["AZ"]],
        json_schema_extra=TRY_IT,
        description="A country that makes the statement (alpha-2/3, any case; predecessors "
        "too). Repeat it to require each: `country=AZ&country=VN` finds joint statements.",
    )
    sector: list[SectorParam] = Field(
        [],
        max_length=MAX_REPEAT,
        examples=[["logistics"]],
        description="Sector slug, sub-sectors included; repeat to require each.",
    )
    kind: list[StatementKind] = Field(
        [], max_length=MAX_REPEAT, examples=[["proposal"]], description="Kinds; any of them."
    )
    speaker: SignatoryParam | None = Field(
        None, examples=["ilham-aliyev"], description="Id of the signatory who spoke."
    )
    visit: VisitParam | None = Field(
        None,
        examples=["state-visit-to-lam-azerbaijan-2025"],
        description="Id of the visit during which it was made.",
    )
    date_from: DateParam | None = Field(
        None, examples=["2025"], description="Inclusive; `YYYY`, `YYYY-MM`, `YYYY-MM-DD`."
    )
    date_to: DateParam | None = Field(None, examples=["2025"], description="Inclusive.")
    q: QueryText | None = Field(
        None, examples=["logistics"], description="Words in title, summary or speaker names."
    )
    sort: Sort = Field(
        Sort.DATE_DESC,
        examples=["-date"],
        description="Ties are broken by `id`; undated statements come last.",
    )


class StatementFilters(StatementQuery, CursorParams, Faceted):
    cursor: str | None = cursor_field(
        "WyItZGF0ZSIsIjIwMjUtMDEtMDEiLCJhbGl5ZXYtZWR1Y2F0aW9uLWxvZ2lzdGljcy0yMDI1Il0"
    )
    facets: list[StatementFacet] = facets_field("statements", "sector")


class StatementOut(DatedOut, ProvenancedOut):
    """What a party says: a remark, an assessment, a proposal, a pledge, a plan or a
    position, by the countries that make it."""

    record_kind = "statement"

    id: str = Field(examples=["aliyev-education-logistics-2025"])
    title: str
    kind: StatementKind
    speaker_id: str | None = Field(description="The signatory who spoke, where a source names one.")
    country_ids: list[str] = Field(description="The countries that make it (both: a joint one).")
    sector_ids: list[str] = Field(description="The sectors it concerns.")
    visit_id: str | None = Field(description="The visit during which it was made.")

    @classmethod
    def of(cls, row: object) -> "StatementOut":
        """From a statement row with its countries and sectors loaded."""
        columns = ("id", "title", "kind", "date", "date_precision", "date_inferred", "provenance")
        return cls.model_validate(
            {
                **{c: getattr(row, c) for c in columns},
                "speaker_id": row.speaker_id,  # type: ignore[attr-defined]
                "country_ids": [c.country_id for c in row.countries],  # type: ignore[attr-defined]
                "sector_ids": [s.sector_id for s in row.sectors],  # type: ignore[attr-defined]
                "visit_id": row.visit_id,  # type: ignore[attr-defined]
            }
        )


class StatementDetail(StatementOut):
    summary: str | None
    speaker: SignatoryRef | None
    countries: list[CountryRef]
    sectors: list[SectorRef]
    visit: VisitRef | None
    references: list[AgreementRef] = Field(
        description="Instruments it invokes (the UN Charter, UNCLOS)."
    )
    citations: list[CitationOut]
    discrepancies: list[DiscrepancyOut]

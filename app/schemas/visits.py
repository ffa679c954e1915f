from pydantic import BaseModel, ConfigDict, Field

from app.schemas.agreements import AgreementOut
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
    cursor_field,
    facets_field,
)
from app.schemas.enums import Sort, VisitFacet
from app.schemas.refs import SignatoryRef


class VisitQuery(BaseModel):
    """The filters and sort of the visits list, shared by its pages and its exports."""

    model_config = ConfigDict(extra="forbid")

    country: CountryParam | None = Field(
        None,
        examples=["AZ"],
        json_schema_extra=TRY_IT,
        description="Guest or host country (alpha-2/3, any case; predecessor entities included).",
    )
    host: CountryParam | None = Field(None, examples=["AZ"], description="Host country.")
    guest: CountryParam | None = Field(None, examples=["VN"], description="Guest country.")
    date_from: DateParam | None = Field(
        None, examples=["1959"], description="Inclusive; `YYYY`, `YYYY-MM`, `YYYY-MM-DD`."
    )
    date_to: DateParam | None = Field(None, examples=["2025"], description="Inclusive.")
    q: QueryText | None = Field(
        None, examples=["ho chi minh"], description="Words in title, summary, city or guest names."
    )
    sort: Sort = Field(
        Sort.DATE_DESC,
        examples=["-date"],
        description="Ties are broken by `id`; undated visits come last.",
    )


class VisitFilters(VisitQuery, CursorParams, Faceted):
    cursor: str | None = cursor_field(
        "WyItZGF0ZSIsIjIwMjUtMDEtMDEiLCJzdGF0ZS12aXNpdC10by1sYW0tYXplcmJhaWphbi0yMDI1Il0"
    )
    facets: list[VisitFacet] = facets_field("visits", "year")


class VisitOut(DatedOut, ProvenancedOut):
    record_kind = "visit"

    id: str = Field(examples=["state-visit-to-lam-azerbaijan-2025"])
    title: str
    kind: str | None
    guest_id: str | None
    guest_title: str | None
    guest_country_id: str | None
    host_country_id: str | None
    city: str | None


class VisitDetail(VisitOut):
    summary: str | None
    guest: SignatoryRef | None
    guest_country: CountryRef | None
    host_country: CountryRef | None
    agreements: list[AgreementOut] = Field(description="Agreements signed during the visit.")
    citations: list[CitationOut]
    discrepancies: list[DiscrepancyOut]

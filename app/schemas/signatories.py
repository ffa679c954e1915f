from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import (
    TRY_IT,
    CitationOut,
    CountryParam,
    CountryRef,
    CursorParams,
    ExternalIds,
    Faceted,
    ProvenancedOut,
    QueryText,
    WikidataId,
    cursor_field,
    facets_field,
)
from app.schemas.enums import MemberFacet, SignatoryKind


class SignatoryQuery(BaseModel):
    """The filters of the signatories list, shared by its pages and its exports."""

    model_config = ConfigDict(extra="forbid")

    country: CountryParam | None = Field(
        None,
        examples=["VN"],
        json_schema_extra=TRY_IT,
        description="Country (alpha-2/3, any case; predecessors too).",
    )
    kind: SignatoryKind | None = Field(None, examples=["ministry"], description="Kind of signer.")
    q: QueryText | None = Field(
        None, examples=["petrovietnam"], description="Words in names, aliases or description."
    )
    wikidata: WikidataId | None = Field(
        None, examples=["Q36014"], description="Look up by Wikidata QID (a crosswalk id)."
    )


class SignatoryFilters(SignatoryQuery, CursorParams, Faceted):
    cursor: str | None = cursor_field("WyJuYW1lIiwiUGV0cm9WaWV0bmFtIiwicGV0cm92aWV0bmFtIl0")
    facets: list[MemberFacet] = facets_field("signatories", "kind")


class SignatoryOut(ProvenancedOut):
    record_kind = "signatory"

    id: str = Field(examples=["petrovietnam"])
    name: str
    kind: SignatoryKind
    country_id: str | None


class SignatoryDetail(SignatoryOut):
    aliases: list[str]
    description: str | None
    external_ids: ExternalIds
    country: CountryRef | None
    agreement_ids: list[str] = Field(description="Agreements it signed, witnessed or adopted.")
    citations: list[CitationOut]

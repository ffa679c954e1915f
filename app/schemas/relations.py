from pydantic import BaseModel, ConfigDict, Field

from app.schemas.agreements import AgreementOut
from app.schemas.bodies import BodyOut
from app.schemas.common import (
    CitationOut,
    CountryParam,
    CountryRef,
    DatedOut,
    DateParam,
    FacetCount,
    Out,
    PageParams,
    ProvenancedOut,
    RecordEntry,
    cursor_field,
)
from app.schemas.enums import MilestoneDirection, TimelineKind
from app.schemas.statements import StatementOut
from app.schemas.visits import VisitOut


class MilestoneOut(DatedOut, ProvenancedOut):
    record_kind = "relation"

    id: str = Field(examples=["diplomatic-relations-vn-az-1992"])
    kind: str = Field(
        examples=["diplomatic-relations", "strategic-partnership", "multilateral-support"]
    )
    title: str
    country_ids: list[str] = Field(
        description="Its two countries, in the milestone's order: with `direction: one-way`, "
        "the first acted toward the second.",
        examples=[["VN", "AZ"]],
    )
    direction: MilestoneDirection
    agreement_id: str | None = Field(None, description="The document that established it.")
    summary: str | None = None
    citations: list[CitationOut]


class CitedVisit(VisitOut):
    citations: list[CitationOut]


class TimelineEntry(RecordEntry, DatedOut):
    """A record in a timeline: what it is, its title and date, and how its title and date
    are known."""

    kind: TimelineKind
    id: str
    title: str
    url: str = Field(description="Path of the record's detail view.")


class RelationsOut(Out):
    """How two countries' relations grew, each fact with its citations."""

    countries: list[CountryRef] = Field(description="The two countries, as asked.")
    diplomatic_relations: MilestoneOut | None = Field(
        description="When diplomatic relations were established, if recorded."
    )
    partnership: MilestoneOut | None = Field(
        description="The latest partnership level (e.g. strategic partnership) and when."
    )
    milestones: list[MilestoneOut]
    bodies: list[BodyOut] = Field(
        description="Their standing bodies (an intergovernmental committee, say); details at "
        "`/api/v1/bodies/{id}`."
    )
    earliest_recorded_contact: TimelineEntry | None = Field(
        description="The earliest dated visit or agreement between the two (not necessarily "
        "their first contact: only what the sources record)."
    )
    latest_contact: TimelineEntry | None = Field(
        description="The latest dated visit or agreement between the two."
    )
    visits_from_first: list[CitedVisit] = Field(
        description="The newest 20 visits by the first to the second, with citations; all "
        "of them via `visits_from_first_url`."
    )
    visits_from_first_total: int = Field(description="How many visits by the first to the second.")
    visits_from_first_url: str = Field(examples=["/api/v1/relations/VN/AZ/visits"])
    visits_from_second: list[CitedVisit] = Field(
        description="The newest 20 visits by the second to the first, as `visits_from_first`."
    )
    visits_from_second_total: int
    visits_from_second_url: str = Field(examples=["/api/v1/relations/AZ/VN/visits"])
    agreements_total: int
    agreements_by_sector: list[FacetCount]
    agreements_by_year: list[FacetCount]
    agreements: list[AgreementOut] = Field(
        description="The newest 20 of their agreements, with citations; all of them "
        "via `agreements_url`."
    )
    agreements_url: str
    statements: list[StatementOut] = Field(
        description="What they said to or of each other (made by both, or by one during a "
        "visit between them), oldest first; details at `/api/v1/statements/{id}`."
    )


class TimelineQuery(BaseModel):
    """The filters of a timeline, shared by its pages and its exports."""

    model_config = ConfigDict(extra="forbid")

    country: list[CountryParam] = Field(
        min_length=1,
        max_length=2,
        examples=[["VN"]],
        description="One country (everything it took part in) or two (what happened between "
        "them); alpha-2/3 any case, predecessors included.",
    )
    date_from: DateParam | None = Field(None, examples=["1959"], description="Inclusive.")
    date_to: DateParam | None = Field(None, examples=["2025"], description="Inclusive.")


class TimelineFilters(TimelineQuery, PageParams):
    """A page of a timeline, by offset or by keyset cursor (a busy country's history runs
    to hundreds of thousands of entries)."""

    cursor: str | None = cursor_field(
        "WyJ0aW1lbGluZSIsIjE5NTktMDEtMDEiLDEsInZpc2l0LWhvLWNoaS1taW5oLWF6ZXJiYWlqYW4tMTk1OSJd"
    )

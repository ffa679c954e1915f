from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy import Row
from sqlalchemy.orm import Session

from app.api.deps import SessionDep, answer, answer_page, found, json_accepted
from app.api.provenance import agreement_item, entries_of, records_of, told
from app.api.query_models import query_model
from app.api.v1.common import record_path
from app.api.v1.exports import INFERRED, Export, add_export_routes
from app.api.v1.visits import ITEMS as VISITS
from app.counting.live import LiveIndex
from app.dates import DATE_COLUMNS
from app.models import Country, RelationEvent
from app.queries import agreements as agreement_queries
from app.queries import bodies as body_queries
from app.queries import relations as queries
from app.queries import visits as visit_queries
from app.queries.citations import citations_for
from app.queries.common import PageResult, country_family, family_of, resolve_country
from app.queries.timeline_head import pair_contacts, timeline_page
from app.schemas.agreements import AgreementFilters, AgreementOut, Selection
from app.schemas.bodies import BodyOut
from app.schemas.common import COUNTRY_CODE, PROBLEM_RESPONSES, CountryRef, Page
from app.schemas.relations import (
    CitedVisit,
    MilestoneOut,
    RelationsOut,
    TimelineEntry,
    TimelineFilters,
    TimelineQuery,
)
from app.schemas.statements import StatementOut
from app.schemas.visits import VisitFilters, VisitOut

router = APIRouter(tags=["relations"], responses=PROBLEM_RESPONSES)
BODIES = records_of(BodyOut, BodyOut.of)
STATEMENTS = records_of(StatementOut, StatementOut.of)


def CountryPath(example: str) -> object:
    return Annotated[
        str,
        Path(
            max_length=40,
            pattern=COUNTRY_CODE,
            examples=[example],
            description="ISO alpha-2 or alpha-3, any case.",
        ),
    ]


@router.get(
    "/relations/{first}/{second}",
    summary="How two countries' relations grew",
    operation_id="get_relations",
    response_model=RelationsOut,
    dependencies=[Depends(json_accepted)],
)
async def get_relations(
    request: Request,
    first: CountryPath("VN"),
    second: CountryPath("AZ"),  # type: ignore[valid-type]
    session: SessionDep,
) -> Response:
    """Everything between two countries in one call: diplomatic relations and partnership
    level (with when they were established), other milestones (support in multilateral
    forums, party-to-party plans), their standing bodies, the earliest and latest recorded
    contact, their visits each way and their agreements by sector and by year, with the
    newest 20 of each list (every one paged at its `..._url`). Each fact carries its
    citations; predecessor states (the Azerbaijan SSR for `AZ`) are included."""
    live = request.app.state.counting
    return await answer(
        request, session, lambda s: relations(s, live, first, second), bounded=False
    )


def visits_path(guest: str, host: str) -> str:
    """Where every visit by `guest` to `host` is paged (codes as the relations give them)."""
    return f"/api/v1/relations/{guest}/{host}/visits"


@router.get(
    "/relations/{first}/{second}/visits",
    summary="Every visit from one country to another",
    operation_id="list_relations_visits",
    response_model=Page[VisitOut],
    dependencies=[Depends(json_accepted)],
)
async def list_relations_visits(
    request: Request,
    first: CountryPath("VN"),
    second: CountryPath("AZ"),  # type: ignore[valid-type]
    session: SessionDep,
    filters: Annotated[VisitFilters, query_model(VisitFilters)],
) -> Response:
    """The visits by the first country to the second: what `/api/v1/relations/{first}/{second}`
    counts as `visits_from_first`, paged and filtered as the visits list is (newest first by
    default). A visit is from the guest country when its guest country or its guest
    person's own country is that country or a predecessor (Heydar Aliyev's 1983 visit to
    Viet Nam as a USSR official is a visit from Azerbaijan), so this can find visits that
    `/api/v1/visits?guest=..&host=..` does not."""

    def page_of(s: Session) -> PageResult:
        within = queries.visits_from(*pair_of(s, first, second).families)
        return visit_queries.list_visits(s, filters, within)

    return await answer_page(request, session, filters, page_of, VISITS)


@dataclass(frozen=True)
class Pair:
    """Two countries as found by the codes asked for, each with its predecessors."""

    countries: list[Country]
    families: list[list[str]]


def pair_of(session: Session, first: str, second: str) -> Pair:
    countries = [found(resolve_country(session, code), "country", code) for code in (first, second)]
    return Pair(countries, [family_of(session, c.id) for c in countries])


def relations(session: Session, live: LiveIndex | None, first: str, second: str) -> RelationsOut:
    return relations_of(session, live, pair_of(session, first, second))


def relations_of(
    session: Session,
    live: LiveIndex | None,
    pair: Pair,
    contacts: tuple[dict | None, dict | None] | None = None,
) -> RelationsOut:
    """The pair's relations, with their earliest and latest contacts as already found
    (among the timeline a page has read), or found here (among the visits between them and
    the first and last of their agreements)."""
    countries, families = pair.countries, pair.families
    codes = [c.id for c in countries]
    visits = queries.visits_each_way(session, *families)
    if contacts is None:
        visit_ends = queries.contact_visits(session, *families)
        contacts = pair_contacts(session, live, families, visit_ends)
    filters = AgreementFilters(
        limit=queries.SHOWN, include=["citations"], facets=["sector", "year"]
    )
    listing = agreement_queries.list_page(session, live, filters, Selection({"country": families}))
    facets = listing.facets or {}
    milestones = _milestones(session, queries.milestones_between(session, *families))
    earliest_contact, latest_contact = contacts
    return RelationsOut(
        countries=[CountryRef.model_validate(c) for c in countries],
        diplomatic_relations=next(
            (m for m in milestones if m.kind == "diplomatic-relations"), None
        ),
        partnership=next((m for m in reversed(milestones) if m.kind.endswith("partnership")), None),
        milestones=milestones,
        bodies=BODIES(session, body_queries.bodies_of_both(session, families)),
        earliest_recorded_contact=_entry(session, earliest_contact),
        latest_contact=_entry(session, latest_contact),
        visits_from_first=_cited_visits(session, visits[0].rows),
        visits_from_first_total=visits[0].total,
        visits_from_first_url=visits_path(*codes),
        visits_from_second=_cited_visits(session, visits[1].rows),
        visits_from_second_total=visits[1].total,
        visits_from_second_url=visits_path(*codes[::-1]),
        agreements_total=listing.page.total,
        agreements_by_sector=facets["sector"],
        agreements_by_year=sorted(facets["year"], key=lambda f: f["value"]),
        agreements=[
            AgreementOut.model_validate(agreement_item(r, listing.links, filters.include))
            for r in listing.page.rows
        ],
        agreements_url="/api/v1/agreements?" + urlencode([("country", c) for c in codes]),
        statements=STATEMENTS(session, queries.statements_between(session, *families)),
    )


def _link(row: dict) -> dict:
    """The row with the path of its detail view (a milestone's is its pair's relations)."""
    return {**row, "url": record_path(row["kind"], row["id"], row["country_a"], row["country_b"])}


TIMELINE = entries_of(TimelineEntry, lambda row: TimelineEntry(**_link(row)))
"""Timeline rows as `TimelineEntry` items, each saying how its title and date are known."""


@router.get(
    "/timeline",
    summary="A country's (or a pair's) agreements, visits and milestones in order",
    operation_id="get_timeline",
    response_model=Page[TimelineEntry],
    dependencies=[Depends(json_accepted)],
)
async def get_timeline(
    request: Request,
    session: SessionDep,
    filters: Annotated[TimelineFilters, query_model(TimelineFilters)],
) -> Response:
    """Agreements, visits and relation milestones merged in date order (oldest first). With
    two countries, only what happened between them. Undated records (a milestone the sources
    do not date) come last, and never match a date filter."""

    live = request.app.state.counting

    def page_of(s: Session) -> PageResult:
        families = [country_family(s, "country", code) for code in filters.country]
        return timeline_page(s, live, families, filters)

    return await answer_page(request, session, filters, page_of, TIMELINE)


EXPORT = Export(
    name="timeline",
    path="/timeline",
    noun="timeline entries",
    filters=TimelineQuery,
    batches=queries.iter_timeline,
    records=TIMELINE,
    csv_columns=[
        "kind",
        "id",
        "title",
        *DATE_COLUMNS,
        "url",
        INFERRED,
    ],
)
add_export_routes(router, EXPORT)


def _entry(session: Session, row: dict | None) -> TimelineEntry | None:
    return TimelineEntry(**TIMELINE(session, [row])[0]) if row else None


def _milestones(session: Session, events: list[RelationEvent]) -> list[MilestoneOut]:
    citations = citations_for(session, "relation", [e.id for e in events])
    return [
        MilestoneOut.model_validate(
            told(
                MilestoneOut,
                {
                    **{
                        c: getattr(e, c)
                        for c in (
                            "id",
                            "kind",
                            "title",
                            "direction",
                            "agreement_id",
                            "summary",
                            "date",
                            "date_precision",
                            "date_inferred",
                        )
                    },
                    "country_ids": [e.country_a_id, e.country_b_id],
                    "citations": citations[e.id],
                },
                e.provenance,
                citations[e.id],
            )
        )
        for e in events
    ]


def _cited_visits(session: Session, visits: Sequence[Row[Any]]) -> list[CitedVisit]:
    """Rows of `queries.VISIT_COLUMNS` as visits with their citations."""
    citations = citations_for(session, "visit", [v.id for v in visits])
    return [
        CitedVisit.model_validate(
            told(
                CitedVisit,
                {**v._mapping, "citations": citations[v.id]},
                v.provenance,
                citations[v.id],
            )
        )
        for v in visits
    ]

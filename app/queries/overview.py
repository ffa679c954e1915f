"""What the database holds, in a glance: records per kind and the pairs of countries whose
relations are recorded."""

from typing import Any

from sqlalchemy import case, func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from app.counting.live import LiveIndex
from app.kinds.registry import KINDS
from app.models import Country, RelationEvent
from app.queries import agreements as agreement_queries
from app.queries import sources as source_queries
from app.queries import statements as statement_queries
from app.queries import visits as visit_queries
from app.schemas.agreements import AgreementFilters
from app.schemas.sources import SourceFilters
from app.schemas.statements import StatementFilters
from app.schemas.visits import VisitFilters

NEWEST = 5
"""Records of each kind listed as the newest (latest dated first)."""
SOURCES = 100
"""Source documents listed (by id)."""


def overview(session: Session, live: LiveIndex | None) -> dict[str, Any]:
    """What `/` shows and `/api/v1/overview` answers: records per kind, the country pairs,
    the newest agreements, visits and statements, and the sources."""
    agreements = agreement_queries.list_page(session, live, AgreementFilters(limit=NEWEST)).page
    # The newest agreements' total, when exact (the counting index's, or SQL's below its
    # cap), is how many agreements there are.
    known = {"agreements": agreements.total} if agreements.total_exact else {}
    return {
        "counts": record_counts(session, known),
        "pairs": country_pairs(session),
        "newest": {
            "agreements": agreements.rows,
            "visits": visit_queries.list_visits(session, VisitFilters(limit=NEWEST)).rows,
            "statements": statement_queries.list_statements(
                session, StatementFilters(limit=NEWEST)
            ).rows,
        },
        "sources": source_queries.list_sources(session, SourceFilters(limit=SOURCES)).rows,
    }


def record_counts(session: Session, known: dict[str, int] | None = None) -> dict[str, int]:
    """Records of each kind, by the kind's plural, in one statement. The kinds in `known`
    (counts already exact, as an unfiltered list's total from the counting index) are taken
    from it rather than counted again: a million agreements take 5-17 ms to count."""
    known = known or {}
    parts = [
        select(literal(kind.plural).label("kind"), func.count().label("n")).select_from(kind.model)
        for kind in KINDS
        if kind.plural not in known
    ]
    counted: dict[str, int] = {kind: n for kind, n in session.execute(union_all(*parts))}
    return {kind.plural: known.get(kind.plural, counted.get(kind.plural, 0)) for kind in KINDS}


FIRST, SECOND = aliased(Country), aliased(Country)
"""The pair's two countries, aliased once: the query with new aliases took 0.9 ms a call
(building them, their columns and the statement's cache key), with these 0.16 ms."""


def country_pairs(session: Session) -> list[dict[str, object]]:
    """Each pair of countries with relation milestones recorded, whichever way each milestone
    runs (a one-way milestone keeps its countries in its own order), with their names and
    how many milestones, in the order of the first country's name (the pair's first code is
    the lower)."""
    a, b = RelationEvent.country_a_id, RelationEvent.country_b_id
    lower = case((a < b, a), else_=b).label("first")
    higher = case((a < b, b), else_=a).label("second")
    pairs = (
        select(lower, higher, func.count().label("milestones")).group_by(lower, higher).subquery()
    )
    rows = session.execute(
        select(
            FIRST.id.label("first_id"),
            FIRST.name.label("first_name"),
            SECOND.id.label("second_id"),
            SECOND.name.label("second_name"),
            pairs.c.milestones,
        )
        .select_from(pairs)
        .join(FIRST, FIRST.id == pairs.c.first)
        .join(SECOND, SECOND.id == pairs.c.second)
        .order_by(FIRST.name, SECOND.name)
    ).mappings()
    return [dict(row) for row in rows]

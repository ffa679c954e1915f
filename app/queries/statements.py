"""Statements: filtered, sorted and paged like every list; one with what it links to."""

from collections.abc import Iterator

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.models import (
    Signatory,
    Statement,
    StatementCountry,
    StatementReference,
    StatementSector,
    Visit,
)
from app.queries.common import (
    PageResult,
    SortKey,
    country_family,
    keyset_batches,
    require,
    sector_descendants,
)
from app.queries.facets import FacetSet, countries, date_prefix, sectors, values
from app.queries.text_search import text_match
from app.schemas.common import date_bounds
from app.schemas.statements import StatementFilters, StatementQuery

SORTS = {
    "date": SortKey.by_date("date", Statement, descending=False),
    "-date": SortKey.by_date("-date", Statement, descending=True),
    "title": SortKey.by_column("title", Statement.title, Statement.id),
    "-title": SortKey.by_column("-title", Statement.title, Statement.id, descending=True),
}
FACETS = FacetSet.of(
    StatementFilters,
    Statement.id,
    {
        "country": countries((StatementCountry.country_id, StatementCountry.statement_id)),
        "sector": sectors(StatementSector.sector_id, StatementSector.statement_id),
        "kind": values(Statement.kind, Statement.id),
        "year": date_prefix(Statement, 4),
    },
)
LINKS = (
    selectinload(Statement.countries),
    selectinload(Statement.sectors),
)
"""What a list row shows beside the statement's own columns: its countries and sectors."""


def filter_statements(session: Session, f: StatementQuery) -> Select[tuple[Statement]]:
    """The statement of every match; ids named by the filters must exist (a 422 otherwise)."""
    stmt = select(Statement)
    for code in f.country:
        family = country_family(session, "country", code)
        stmt = stmt.where(_linked(StatementCountry, StatementCountry.country_id.in_(family)))
    for slug in f.sector:
        tree = sector_descendants(session, "sector", slug)
        stmt = stmt.where(_linked(StatementSector, StatementSector.sector_id.in_(tree)))
    if f.kind:
        stmt = stmt.where(Statement.kind.in_(f.kind))
    if f.speaker:
        require(session, Signatory, f.speaker, "speaker")
        stmt = stmt.where(Statement.speaker_id == f.speaker)
    if f.visit:
        require(session, Visit, f.visit, "visit")
        stmt = stmt.where(Statement.visit_id == f.visit)
    start, end = date_bounds(f.date_from, f.date_to)
    if start:
        stmt = stmt.where(Statement.date_end >= start.start)
    if end:
        stmt = stmt.where(Statement.date_start <= end.end)
    if f.q:
        stmt = stmt.where(text_match(session, Statement, f.q))
    return stmt


def _linked(link: type, condition: object) -> object:
    return (
        select(link.statement_id)
        .where(  # type: ignore[attr-defined]
            link.statement_id == Statement.id,
            condition,  # type: ignore[attr-defined]
        )
        .exists()
    )


def list_statements(session: Session, f: StatementFilters) -> PageResult:
    stmt = filter_statements(session, f).options(*LINKS)
    return FACETS.page(session, stmt, SORTS[f.sort], f)


def iter_statements(session: Session, f: StatementQuery) -> Iterator[list[Statement]]:
    """Every match with its countries and sectors, in keyset batches (filters resolved
    first, so a bad one is a 422 before the download starts)."""
    stmt = filter_statements(session, f).options(*LINKS)
    return keyset_batches(session, stmt, SORTS[f.sort])


def get_statement(session: Session, statement_id: str) -> Statement | None:
    stmt = (
        select(Statement)
        .where(Statement.id == statement_id)
        .options(
            # a one-row link joined, a list read in a second statement (each a round trip)
            joinedload(Statement.speaker),
            joinedload(Statement.visit),
            selectinload(Statement.countries).joinedload(StatementCountry.country),
            selectinload(Statement.sectors).joinedload(StatementSector.sector),
            selectinload(Statement.references).joinedload(StatementReference.agreement),
        )
    )
    return session.scalars(stmt).first()

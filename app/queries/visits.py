from collections.abc import Iterator

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.models import Agreement, Visit
from app.queries.common import PageResult, SortKey, country_family, keyset_batches
from app.queries.facets import FacetSet, countries, date_prefix, values
from app.queries.text_search import text_match
from app.schemas.common import date_bounds
from app.schemas.visits import VisitFilters, VisitQuery

SORTS = {
    "date": SortKey.by_date("date", Visit, descending=False),
    "-date": SortKey.by_date("-date", Visit, descending=True),
    "title": SortKey.by_column("title", Visit.title, Visit.id),
    "-title": SortKey.by_column("-title", Visit.title, Visit.id, descending=True),
}


FACETS = FacetSet.of(
    VisitFilters,
    Visit.id,
    {
        "country": countries((Visit.guest_country_id, Visit.id), (Visit.host_country_id, Visit.id)),
        "host": countries((Visit.host_country_id, Visit.id)),
        "guest": countries((Visit.guest_country_id, Visit.id)),
        "kind": values(Visit.kind, Visit.id),
        "year": date_prefix(Visit, 4),
    },
)


def filter_visits(
    session: Session, f: VisitQuery, *within: ColumnElement[bool]
) -> Select[tuple[Visit]]:
    """The visits `f` selects, among those meeting every condition of `within` (a pair's
    visits one way, say: `app.queries.relations.visits_from`)."""
    stmt = select(Visit).where(*within)
    if f.country:
        family = country_family(session, "country", f.country)
        stmt = stmt.where(
            or_(Visit.host_country_id.in_(family), Visit.guest_country_id.in_(family))
        )
    if f.host:
        stmt = stmt.where(Visit.host_country_id.in_(country_family(session, "host", f.host)))
    if f.guest:
        stmt = stmt.where(Visit.guest_country_id.in_(country_family(session, "guest", f.guest)))
    start, end = date_bounds(f.date_from, f.date_to)
    if start:
        stmt = stmt.where(Visit.date_end >= start.start)
    if end:
        stmt = stmt.where(Visit.date_start <= end.end)
    if f.q:
        stmt = stmt.where(text_match(session, Visit, f.q))
    return stmt


def list_visits(session: Session, f: VisitFilters, *within: ColumnElement[bool]) -> PageResult:
    stmt = filter_visits(session, f, *within)
    return FACETS.page(session, stmt, SORTS[f.sort], f)


def iter_visits(session: Session, f: VisitQuery) -> Iterator[list[Visit]]:
    """Every matching visit with its countries, in keyset batches (filters resolved first)."""
    stmt = filter_visits(session, f).options(
        selectinload(Visit.guest_country), selectinload(Visit.host_country)
    )
    return keyset_batches(session, stmt, SORTS[f.sort])


def get_visit(session: Session, visit_id: str) -> Visit | None:
    stmt = (
        select(Visit)
        .where(Visit.id == visit_id)
        .options(  # joined: each is one row, and each statement a round trip
            joinedload(Visit.guest),
            joinedload(Visit.guest_country),
            joinedload(Visit.host_country),
        )
    )
    return session.scalars(stmt).first()


def agreements_of_visit(session: Session, visit_id: str) -> list[Agreement]:
    return list(
        session.scalars(
            select(Agreement)
            .where(Agreement.visit_id == visit_id)
            .options(selectinload(Agreement.parties))
            .order_by(Agreement.title, Agreement.id)
        )
    )

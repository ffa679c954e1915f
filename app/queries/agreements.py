"""Agreement lists and detail: filters, sorts, keyset or offset pages, eager loading."""

from collections.abc import Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, select
from sqlalchemy.orm import Session, selectinload

from app.dates import parse_partial_date
from app.models import (
    Agreement,
    AgreementEvent,
    AgreementParty,
    AgreementSector,
    AgreementSignatory,
    Signatory,
    Visit,
)
from app.queries.common import (
    PageResult,
    SortKey,
    country_family,
    paginate,
    require,
    sector_descendants,
)
from app.queries.text_search import text_match
from app.schemas.agreements import INCLUDES, AgreementFilters
from app.schemas.common import date_bounds

SORTS = {
    "date": SortKey.by_date("date", Agreement, descending=False),
    "-date": SortKey.by_date("-date", Agreement, descending=True),
    "title": SortKey.by_column("title", Agreement.title, Agreement.id),
    "-title": SortKey.by_column("-title", Agreement.title, Agreement.id, descending=True),
}


def filter_agreements(session: Session, f: AgreementFilters) -> Select[tuple[Agreement]]:
    """The filtered (unordered, unpaged) statement; unknown ids in filters raise 422."""
    stmt = select(Agreement)
    for code in f.country:
        family = country_family(session, "country", code)
        stmt = stmt.where(
            exists().where(
                AgreementParty.agreement_id == Agreement.id, AgreementParty.country_id.in_(family)
            )
        )
    for slug in f.sector:
        sectors = sector_descendants(session, "sector", slug)
        stmt = stmt.where(
            exists().where(
                AgreementSector.agreement_id == Agreement.id, AgreementSector.sector_id.in_(sectors)
            )
        )
    for signatory in f.signatory:
        require(session, Signatory, signatory, "signatory")
        stmt = stmt.where(
            exists().where(
                AgreementSignatory.agreement_id == Agreement.id,
                AgreementSignatory.signatory_id == signatory,
            )
        )
    if f.kind:
        stmt = stmt.where(Agreement.kind.in_(f.kind))
    if f.visit:
        require(session, Visit, f.visit, "visit")
        stmt = stmt.where(Agreement.visit_id == f.visit)
    start, end = date_bounds(f.date_from, f.date_to)
    if start:
        stmt = stmt.where(Agreement.date_end >= start.start)
    if end:
        stmt = stmt.where(Agreement.date_start <= end.end)
    if f.q:
        stmt = stmt.where(text_match(session, Agreement, f.q))
    if f.as_of:
        stmt = stmt.where(in_force_on(parse_partial_date(f.as_of).end))
    return stmt


def loaders(include: Sequence[str]) -> list[Any]:
    """Eager loads for a page: parties always, each embed only when asked for. Each is one
    SELECT ... IN for the whole page, so the statement count does not grow with the page."""
    parties = selectinload(Agreement.parties)
    if "parties" in include:
        parties = parties.selectinload(AgreementParty.country)
    options: list[Any] = [parties]
    if "signatories" in include:
        options.append(
            selectinload(Agreement.signatories).selectinload(AgreementSignatory.signatory)
        )
    if "sectors" in include:
        options.append(selectinload(Agreement.sectors).selectinload(AgreementSector.sector))
    if "visit" in include:
        options.append(selectinload(Agreement.visit))
    return options


def list_agreements(session: Session, f: AgreementFilters) -> PageResult:
    stmt = filter_agreements(session, f)
    return paginate(
        session,
        stmt.options(*loaders(f.include)),
        SORTS[f.sort],
        limit=f.limit,
        offset=f.offset,
        cursor=f.cursor,
    )


def iter_agreements(
    session: Session, f: AgreementFilters, batch: int = 1000
) -> Iterator[list[Agreement]]:
    """Every matching agreement in sort order, in keyset batches: memory stays flat however
    many there are, and each batch costs what the first does.

    The filters are resolved here, before the first batch, so a bad filter is a 422 and not
    an error in the middle of a streamed body."""
    sort = SORTS[f.sort]
    stmt = filter_agreements(session, f).options(*loaders(INCLUDES)).order_by(*sort.order_by())
    return _batches(session, stmt, sort, batch)


def _batches(session: Session, stmt: Select, sort: SortKey, batch: int) -> Iterator[list[Any]]:
    after = None
    while True:
        page = stmt.where(after) if after is not None else stmt
        rows = list(session.scalars(page.limit(batch)).unique())
        if not rows:
            return
        yield rows
        after = sort.after(sort.value(rows[-1]), rows[-1].id)
        session.expunge_all()


def get_agreement(session: Session, agreement_id: str) -> Agreement | None:
    stmt = select(Agreement).where(Agreement.id == agreement_id).options(*loaders(INCLUDES))
    return session.scalars(stmt).first()


def events_of(session: Session, agreement_id: str) -> list[AgreementEvent]:
    return list(
        session.scalars(
            select(AgreementEvent)
            .where(AgreementEvent.agreement_id == agreement_id)
            .order_by(AgreementEvent.date_start.nulls_last(), AgreementEvent.id)
        )
    )


def in_force_on(day: date) -> ColumnElement[bool]:
    """Entered into force by `day` (certainly: the whole date interval is before it) and
    not terminated or withdrawn by then."""
    entered = exists().where(
        AgreementEvent.agreement_id == Agreement.id,
        AgreementEvent.action == "entry-into-force",
        AgreementEvent.date_end <= day,
    )
    ended = exists().where(
        AgreementEvent.agreement_id == Agreement.id,
        AgreementEvent.action.in_(["termination", "withdrawal"]),
        AgreementEvent.date_start <= day,
    )
    return entered & ~ended

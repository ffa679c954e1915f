"""Agreement lists and detail: filters, sorts, keyset or offset pages, eager loading."""

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session, selectinload

from app.models import (
    Agreement,
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
    text_match,
)
from app.schemas.agreements import AgreementFilters
from app.schemas.common import date_bounds

SORTS = {
    "date": SortKey("date", Agreement.date_start, Agreement.id, descending=False),
    "-date": SortKey("-date", Agreement.date_start, Agreement.id, descending=True),
    "title": SortKey("title", Agreement.title, Agreement.id, descending=False),
    "-title": SortKey("-title", Agreement.title, Agreement.id, descending=True),
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
        stmt = stmt.where(text_match(Agreement.search_text, f.q))
    return stmt


def list_agreements(session: Session, f: AgreementFilters) -> PageResult:
    stmt = filter_agreements(session, f)
    count = select(func.count()).select_from(stmt.subquery())
    return paginate(
        session,
        stmt.options(selectinload(Agreement.parties)),
        SORTS[f.sort],
        limit=f.limit,
        offset=f.offset,
        cursor=f.cursor,
        count_stmt=count,
    )


def get_agreement(session: Session, agreement_id: str) -> Agreement | None:
    stmt = (
        select(Agreement)
        .where(Agreement.id == agreement_id)
        .options(
            selectinload(Agreement.parties).selectinload(AgreementParty.country),
            selectinload(Agreement.signatories).selectinload(AgreementSignatory.signatory),
            selectinload(Agreement.sectors).selectinload(AgreementSector.sector),
            selectinload(Agreement.visit),
        )
    )
    return session.scalars(stmt).first()

"""Two countries' relations and a country's timeline, from agreements, visits and milestones."""

from collections.abc import Iterator
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    func,
    literal,
    or_,
    select,
    tuple_,
    union_all,
)
from sqlalchemy.orm import Session

from app.models import Agreement, AgreementParty, RelationEvent, Signatory, Visit
from app.models._columns import LAST_GOING_UP
from app.queries.common import PageResult, country_family
from app.schemas.common import date_bounds
from app.schemas.relations import TimelineFilters, TimelineQuery


def guest_from(family: list[str]) -> ColumnElement[bool]:
    """The guest came from the country: the visit's guest country, or the guest person's own
    country (Heydar Aliyev visited Vietnam in 1983 as a USSR official, yet as Azerbaijan's
    later leader: the visit belongs to both histories)."""
    persons = select(Signatory.id).where(Signatory.country_id.in_(family))
    return or_(Visit.guest_country_id.in_(family), Visit.guest_id.in_(persons))


def visits_between(session: Session, guests: list[str], hosts: list[str]) -> list[Visit]:
    return list(
        session.scalars(
            select(Visit)
            .where(guest_from(guests), Visit.host_country_id.in_(hosts))
            .order_by(Visit.date_start.nulls_last(), Visit.id)
        )
    )


def _between(a_column, b_column, first: list[str], second: list[str]) -> ColumnElement[bool]:  # type: ignore[no-untyped-def]
    return or_(
        and_(a_column.in_(first), b_column.in_(second)),
        and_(a_column.in_(second), b_column.in_(first)),
    )


def milestones_between(
    session: Session, first: list[str], second: list[str]
) -> list[RelationEvent]:
    return list(
        session.scalars(
            select(RelationEvent)
            .where(_between(RelationEvent.country_a_id, RelationEvent.country_b_id, first, second))
            .order_by(RelationEvent.date_start.nulls_last(), RelationEvent.id)
        )
    )


def timeline_entries(families: list[list[str]]) -> Select:
    """Agreements, visits and milestones involving every family given (one country, or a
    pair), as rows of (rank, kind, id, title, dates, country_a, country_b)."""
    parties = [
        select(AgreementParty.agreement_id).where(AgreementParty.country_id.in_(f))
        for f in families
    ]
    if len(families) == 1:
        (family,) = families
        visit_match = or_(guest_from(family), Visit.host_country_id.in_(family))
        relation_match = or_(
            RelationEvent.country_a_id.in_(family), RelationEvent.country_b_id.in_(family)
        )
    else:
        a, b = families
        visit_match = or_(
            and_(guest_from(a), Visit.host_country_id.in_(b)),
            and_(guest_from(b), Visit.host_country_id.in_(a)),
        )
        relation_match = _between(RelationEvent.country_a_id, RelationEvent.country_b_id, a, b)
    no_country = literal(None, String)
    parts = [
        (
            0,
            "relation",
            RelationEvent,
            RelationEvent.title,
            relation_match,
            (RelationEvent.country_a_id, RelationEvent.country_b_id),
        ),
        (1, "visit", Visit, Visit.title, visit_match, (no_country, no_country)),
        (
            2,
            "agreement",
            Agreement,
            Agreement.title,
            and_(*(Agreement.id.in_(p) for p in parties)),
            (no_country, no_country),
        ),
    ]
    return union_all(
        *(
            select(
                literal(rank).label("rank"),
                literal(kind).label("kind"),
                model.id.label("id"),
                title.label("title"),
                model.date.label("date"),
                model.date_precision.label("date_precision"),
                model.date_inferred.label("date_inferred"),
                model.date_start.label("date_start"),
                model.date_end.label("date_end"),
                pair[0].label("country_a"),
                pair[1].label("country_b"),
            ).where(match)
            for rank, kind, model, title, match, pair in parts
        )
    )


def _dated_timeline(families: list[list[str]], f: TimelineQuery) -> tuple[Select, Any]:
    """The timeline's entries within the date filters, and the subquery they come from."""
    entries = timeline_entries(families).subquery()
    stmt = select(entries)
    start, end = date_bounds(f.date_from, f.date_to)
    if start:
        stmt = stmt.where(entries.c.date_end >= start.start)
    if end:
        stmt = stmt.where(entries.c.date_start <= end.end)
    return stmt, entries


def timeline(session: Session, families: list[list[str]], f: TimelineFilters) -> PageResult:
    stmt, entries = _dated_timeline(families, f)
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = (
        session.execute(
            stmt.order_by(
                entries.c.date_start.is_(None), entries.c.date_start, entries.c.rank, entries.c.id
            )
            .limit(f.limit)
            .offset(f.offset)
        )
        .mappings()
        .all()
    )
    return PageResult([dict(r) for r in rows], total, None)


def iter_timeline(session: Session, f: TimelineQuery, batch: int = 1000) -> Iterator[list[dict]]:
    """The whole timeline in its order (undated last, then rank, then id), in keyset batches
    over (date or the last date, rank, id). Countries are resolved before the first batch."""
    families = [country_family(session, "country", code) for code in f.country]
    stmt, entries = _dated_timeline(families, f)
    order = (func.coalesce(entries.c.date_start, LAST_GOING_UP), entries.c.rank, entries.c.id)
    return _timeline_batches(session, stmt.order_by(*order), order, batch)


def _timeline_batches(
    session: Session, stmt: Select, order: tuple[Any, ...], batch: int
) -> Iterator[list[dict]]:
    after = None
    while True:
        page = stmt.where(tuple_(*order) > tuple_(*after)) if after else stmt
        rows = [dict(r) for r in session.execute(page.limit(batch)).mappings()]
        if not rows:
            return
        yield rows
        last = rows[-1]
        after = (last["date_start"] or LAST_GOING_UP, last["rank"], last["id"])


def contacts(session: Session, families: list[list[str]]) -> tuple[dict | None, dict | None]:
    """The earliest and the latest dated records between the countries."""
    entries = timeline_entries(families).subquery()
    dated = select(entries).where(entries.c.date_start.is_not(None))
    first = (
        session.execute(dated.order_by(entries.c.date_start, entries.c.rank, entries.c.id).limit(1))
        .mappings()
        .first()
    )
    last = (
        session.execute(
            dated.order_by(entries.c.date_end.desc(), entries.c.rank, entries.c.id).limit(1)
        )
        .mappings()
        .first()
    )
    return (dict(first) if first else None, dict(last) if last else None)

"""Two countries' relations and a country's timeline, from agreements, visits, milestones and
statements."""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Row,
    Select,
    String,
    and_,
    func,
    intersect,
    literal,
    or_,
    select,
    tuple_,
    union,
    union_all,
)
from sqlalchemy.orm import Session, selectinload

from app.counting.live import LiveIndex
from app.dates import PartialDate
from app.errors import InvalidParameter
from app.models import (
    Agreement,
    AgreementParty,
    RelationEvent,
    Signatory,
    Statement,
    StatementCountry,
    Visit,
)
from app.models._columns import LAST_GOING_UP
from app.queries.agreements import ids_with_parties
from app.queries.common import (
    PageResult,
    capped_count,
    columns,
    country_family,
    cursor_date,
    cursor_text,
    pack_cursor,
    paginate,
    unpack_cursor,
)
from app.queries.visits import SORTS as VISIT_SORTS
from app.schemas.common import date_bounds
from app.schemas.relations import TimelineFilters, TimelineQuery
from app.schemas.visits import VisitOut, VisitQuery


def guest_from(family: list[str]) -> ColumnElement[bool]:
    """The guest came from the country: the visit's guest country, or the guest person's own
    country (Heydar Aliyev visited Vietnam in 1983 as a USSR official, yet as Azerbaijan's
    later leader: the visit belongs to both histories)."""
    persons = select(Signatory.id).where(Signatory.country_id.in_(family))
    return or_(Visit.guest_country_id.in_(family), Visit.guest_id.in_(persons))


def visits_from(guests: list[str], hosts: list[str]) -> ColumnElement[bool]:
    """The visits by `guests` (a country's family) to `hosts`, the guest found as
    `guest_from` finds it."""
    return and_(guest_from(guests), Visit.host_country_id.in_(hosts))


SHOWN = 20
"""The records of each list a pair's relations show, newest first: the first page of the
list its URL gives (a busy pair has thousands: the United States and China 3,917 visits
and 84,922 agreements at a million agreements; all their visits made a 3.8 MB answer)."""


VISIT_COLUMNS = (
    *(getattr(Visit, name) for name in VisitOut.model_fields),
    Visit.date_start,
    Visit.date_end,
)
"""What a listed visit shows (`VisitOut`), and its dates for the sort and the timeline (a
row costs a fraction of what a mapped object does)."""


def visits_each_way(
    session: Session, first: list[str], second: list[str]
) -> tuple[PageResult, PageResult]:
    """Each way's first page of visits between two countries' families (`_newest`), found
    and ordered on `ix_visits_host_guest` alone (its ids and dates are in it), only the
    visits shown read: at a million agreements the United States and China have 3,917."""
    return _newest(session, visits_from(first, second)), _newest(
        session, visits_from(second, first)
    )


def contact_visits(session: Session, first: list[str], second: list[str]) -> list[dict]:
    """The timeline entries of the earliest-starting and the latest-ending dated visit
    between two countries' families: the visits' candidates for the earliest and latest
    contact, found on the same index."""
    dated = and_(
        or_(visits_from(first, second), visits_from(second, first)),
        Visit.date_start.is_not(None),
    )
    orders = ((Visit.date_start, Visit.id), (Visit.date_end.desc(), Visit.id))
    firsts = [_first(dated, order, 1).subquery() for order in orders]
    ends = union(*(select(first.c.id) for first in firsts))  # an OR of the two is a scan
    rows = columns(session, select(*VISIT_COLUMNS).where(Visit.id.in_(ends)))
    return [visit_entry(row) for row in rows]


def _first(within: ColumnElement[bool], order: Sequence[Any], limit: int) -> Select[Any]:
    """The ids of the first `limit` visits meeting `within` in `order` (so that only those
    are read)."""
    return select(Visit.id).where(within).order_by(*order).limit(limit)


def _newest(session: Session, within: ColumnElement[bool]) -> PageResult:
    """The first page of the visits meeting `within` in the visits list's own order (newest
    first), SHOWN long, as rows of `VISIT_COLUMNS`, with their exact total."""
    total = session.scalar(select(func.count()).select_from(Visit).where(within)) or 0
    sort = VISIT_SORTS[VisitQuery().sort]
    stmt = select(*VISIT_COLUMNS).where(Visit.id.in_(_first(within, sort.order_by(), SHOWN + 1)))
    return paginate(
        session, stmt, sort, limit=SHOWN, offset=0, cursor=None, total=total, tuples=True
    )


ENTRY_COLUMNS = (
    "id",
    "title",
    "date",
    "date_precision",
    "date_inferred",
    "provenance",
    "date_start",
    "date_end",
)
"""What a timeline entry takes of its record (`TimelinePart.entries`)."""


def visit_entry(visit: Row[Any]) -> dict:
    """A visit's row of `VISIT_COLUMNS` as its timeline entry (`TimelinePart.entries`)."""
    entry = {name: getattr(visit, name) for name in ENTRY_COLUMNS}
    rank = TIMELINE_KINDS.index("visit")
    return {"rank": rank, "kind": "visit", **entry, "country_a": None, "country_b": None}


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


def _statement_by(family: list[str]) -> ColumnElement[bool]:
    """The statement is made by a country of `family`."""
    return (
        select(StatementCountry.statement_id)
        .where(
            StatementCountry.statement_id == Statement.id,
            StatementCountry.country_id.in_(family),
        )
        .exists()
    )


def statements_between_match(first: list[str], second: list[str]) -> ColumnElement[bool]:
    """A statement belongs to two countries' relations when both make it, or when one makes
    it during a visit between them (President Aliyev at Tô Lâm's visit to Baku)."""
    # The statement's own visit looked up by its id: listing every visit between the two
    # instead walks each one's hosted visits (1,200 apiece at 100k visits, 4 ms).
    during_visit = (
        select(Visit.id)
        .where(
            Visit.id == Statement.visit_id,
            or_(visits_from(first, second), visits_from(second, first)),
        )
        .exists()
    )
    return or_(
        and_(_statement_by(first), _statement_by(second)),
        and_(during_visit, or_(_statement_by(first), _statement_by(second))),
    )


def statements_between(session: Session, first: list[str], second: list[str]) -> list[Statement]:
    """What the two countries said to or of each other, oldest first, with their countries
    and sectors."""
    return list(
        session.scalars(
            select(Statement)
            .where(statements_between_match(first, second))
            .options(selectinload(Statement.countries), selectinload(Statement.sectors))
            .order_by(Statement.date_start.nulls_last(), Statement.id)
        )
    )


TIMELINE_KINDS = ("relation", "visit", "agreement", "statement")
"""The kinds of timeline entry, in the order a day's entries sort: an entry's rank is its
kind's index here."""


Bounds = tuple[PartialDate | None, PartialDate | None]
"""A timeline's `date_from` and `date_to` (see `date_bounds`)."""


@dataclass(frozen=True)
class TimelinePart:
    """The entries of one kind of record on a timeline: which records (`match`), and how
    they read as entries."""

    rank: int
    kind: str
    model: Any
    title: Any
    match: ColumnElement[bool]
    pair: tuple[Any, Any]

    def entries(self, bounds: Bounds = (None, None)) -> Select:
        """The rows of (rank, kind, id, title, dates, provenance, country_a, country_b),
        within the date bounds."""
        model = self.model
        stmt = select(
            literal(self.rank).label("rank"),
            literal(self.kind).label("kind"),
            model.id.label("id"),
            self.title.label("title"),
            model.date.label("date"),
            model.date_precision.label("date_precision"),
            model.date_inferred.label("date_inferred"),
            model.provenance.label("provenance"),
            model.date_start.label("date_start"),
            model.date_end.label("date_end"),
            self.pair[0].label("country_a"),
            self.pair[1].label("country_b"),
        ).where(self.match)
        start, end = bounds
        if start:
            stmt = stmt.where(model.date_end >= start.start)
        if end:
            stmt = stmt.where(model.date_start <= end.end)
        return stmt


def timeline_parts(
    families: list[list[str]], agreement_ids: list[str] | None = None
) -> list[TimelinePart]:
    """Agreements, visits, milestones and statements involving every family given (one
    country, or a pair), in rank order. `agreement_ids`, when the counting index gave them,
    are the families' agreements."""
    parties: Any = agreement_ids
    if parties is None:
        # Two countries' agreements as the intersection of their parties' lists: SQLite
        # walks one list and probes the other for `id IN a AND id IN b`, 73 ms at 1M
        # agreements (33k each for VN and AZ), 40 ms intersected.
        lists = [
            select(AgreementParty.agreement_id).where(AgreementParty.country_id.in_(f))
            for f in families
        ]
        parties = intersect(*lists) if len(lists) > 1 else lists[0]
    if len(families) == 1:
        (family,) = families
        visit_match = or_(guest_from(family), Visit.host_country_id.in_(family))
        relation_match = or_(
            RelationEvent.country_a_id.in_(family), RelationEvent.country_b_id.in_(family)
        )
        statement_match = _statement_by(family)
    else:
        a, b = families
        visit_match = or_(visits_from(a, b), visits_from(b, a))
        relation_match = _between(RelationEvent.country_a_id, RelationEvent.country_b_id, a, b)
        statement_match = statements_between_match(a, b)
    parts = {
        "relation": (
            RelationEvent,
            RelationEvent.title,
            relation_match,
            (RelationEvent.country_a_id, RelationEvent.country_b_id),
        ),
        "visit": (Visit, Visit.title, visit_match, NO_PAIR),
        "statement": (Statement, Statement.title, statement_match, NO_PAIR),
    }
    return [
        agreement_part(parties) if kind == "agreement" else TimelinePart(rank, kind, *parts[kind])
        for rank, kind in enumerate(TIMELINE_KINDS)
    ]


NO_PAIR = (literal(None, String), literal(None, String))
"""The countries of an entry that is not a milestone."""


def agreement_part(ids: Any) -> TimelinePart:
    """The agreements part of a timeline: the agreements `ids` lists (a list or a select)."""
    rank = TIMELINE_KINDS.index("agreement")
    return TimelinePart(
        rank, "agreement", Agreement, Agreement.title, Agreement.id.in_(ids), NO_PAIR
    )


def timeline_entries(
    families: list[list[str]], agreement_ids: list[str] | None = None, bounds: Bounds = (None, None)
) -> CompoundSelect:
    """Every entry of the timeline (`timeline_parts`) within the date bounds, unordered."""
    return union_all(*(part.entries(bounds) for part in timeline_parts(families, agreement_ids)))


def _dated_timeline(
    families: list[list[str]], f: TimelineQuery, agreement_ids: list[str] | None = None
) -> tuple[Select, Any]:
    """The timeline's entries within the date filters, and the subquery they come from."""
    bounds = date_bounds(f.date_from, f.date_to)
    entries = timeline_entries(families, agreement_ids, bounds).subquery()
    return select(entries), entries


TIMELINE_ORDER = "timeline"
"""The name a timeline cursor carries (its one order: date, undated last, then rank, id)."""


def _timeline_order(entries: Any) -> tuple[Any, ...]:
    """Date (undated last), then rank (milestones, visits, agreements), then id: one key
    that pages and downloads walk alike."""
    return (func.coalesce(entries.c.date_start, LAST_GOING_UP), entries.c.rank, entries.c.id)


def _position(row: Any) -> tuple[Any, int, str]:
    return (row["date_start"] or LAST_GOING_UP, row["rank"], row["id"])


def timeline(
    session: Session,
    families: list[list[str]],
    f: TimelineFilters,
    agreement_ids: list[str] | None = None,
) -> PageResult:
    """One page of the timeline, by offset or after a keyset `cursor` (then a page deep in
    a long history costs what the first does); `total` counted as every list's is. The
    whole timeline is sorted in SQL (`app.queries.timeline_head` reads only the page's
    entries where the counting index answers)."""
    if f.cursor and f.offset:
        raise InvalidParameter("use either cursor or offset, not both", parameter="cursor")
    stmt, entries = _dated_timeline(families, f, agreement_ids)
    total = capped_count(session, stmt)
    order = _timeline_order(entries)
    page = stmt.order_by(*order)
    if f.cursor:
        page = page.where(tuple_(*order) > tuple_(*timeline_after(f.cursor)))
    else:
        page = page.offset(f.offset)
    rows = [dict(r) for r in session.execute(page.limit(f.limit + 1)).mappings()]
    return timeline_result(rows, total, f.limit)


def timeline_result(rows: list[dict], total: int, limit: int) -> PageResult:
    """A page of the timeline from its rows read with one more than `limit` (to see whether
    more follow) and its total as `capped_count` gives it."""
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = None
    if more:
        day, rank, last_id = _position(rows[-1])
        next_cursor = pack_cursor(TIMELINE_ORDER, day.isoformat(), rank, last_id)
    return PageResult.counted(rows, total, next_cursor)


def timeline_after(cursor: str) -> tuple[Any, ...]:
    def parse(day: Any, rank: Any, last_id: Any) -> tuple[date, int, str]:
        if not isinstance(rank, int) or isinstance(rank, bool):
            raise ValueError("its rank must be a number")
        if not 0 <= rank < len(TIMELINE_KINDS):  # nor past what a database integer holds
            raise ValueError("its rank is out of range")
        return cursor_date(day), rank, cursor_text(last_id, "id")

    return unpack_cursor(cursor, TIMELINE_ORDER, parse)


def iter_timeline(
    session: Session, f: TimelineQuery, batch: int = 1000, live: LiveIndex | None = None
) -> Iterator[list[dict]]:
    """The whole timeline in its order, in keyset batches, its agreements found by the
    counting index `live` where it answers. Countries are resolved before the first batch."""
    families = [country_family(session, "country", code) for code in f.country]
    return timeline_batches(session, families, f, ids_with_parties(session, live, families), batch)


def timeline_batches(
    session: Session,
    families: list[list[str]],
    f: TimelineQuery,
    agreement_ids: list[str] | None,
    batch: int,
) -> Iterator[list[dict]]:
    """`iter_timeline` of families already resolved (`agreement_ids` as for
    `timeline_entries`)."""
    stmt, entries = _dated_timeline(families, f, agreement_ids)
    order = _timeline_order(entries)
    return _timeline_batches(session, stmt.order_by(*order), order, batch)


def _timeline_batches(
    session: Session, stmt: Select, order: tuple[Any, ...], batch: int
) -> Iterator[list[dict]]:
    """Batches of `batch` rows until a shorter one, the last (no query after it to find
    nothing: at 1M agreements a pair's timeline query costs 20 ms)."""
    after = None
    while True:
        page = stmt.where(tuple_(*order) > tuple_(*after)) if after else stmt
        rows = [dict(r) for r in session.execute(page.limit(batch)).mappings()]
        if rows:
            yield rows
        if len(rows) < batch:
            return
        after = _position(rows[-1])


CONTACTS = ("visit", "agreement")
"""What counts as a contact between two countries: a visit, or an agreement they concluded
(a milestone such as a plan, or a statement, is not a contact)."""


def contacts(
    session: Session, families: list[list[str]], agreement_ids: list[str] | None = None
) -> tuple[dict | None, dict | None]:
    """The earliest and the latest dated visits or agreements between the countries (a visit
    before an agreement of the same date); `agreement_ids` as for `timeline_entries`."""
    entries = timeline_entries(families, agreement_ids).subquery()
    dated = select(entries).where(entries.c.date_start.is_not(None), entries.c.kind.in_(CONTACTS))
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


def contacts_among(timeline: Iterable[dict]) -> tuple[dict | None, dict | None]:
    """What `contacts` finds, from a pair's whole timeline in its order (no query: a page
    that reads the timeline has them). The earliest is the first dated contact; the latest
    ends last, ties going to the lower rank, then to the lower id (in code-point order, the
    order of SQLite's and PostgreSQL's C collation, as the counting index assumes)."""
    dated = [e for e in timeline if e["date_start"] is not None and e["kind"] in CONTACTS]
    if not dated:
        return None, None
    latest = max(e["date_end"] for e in dated)
    return dated[0], min(
        (e for e in dated if e["date_end"] == latest), key=lambda e: (e["rank"], e["id"])
    )

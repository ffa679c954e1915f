"""A timeline's first entries (after a cursor), read kind by kind and merged: its agreements
from the counting index, each other kind along its own date-sort index, so a page reads
about as many entries as it shows however long the history.

As one union sorted in SQL, a busy country's timeline is read whole for every page (the
United States at a million agreements: 419,000 agreements and 34,000 visits, 537 ms for
20 entries). Each kind's entries come in the timeline's order (date, undated last, then
id: within a kind the rank is the same), so the first entries of the timeline are among
the first of each kind, and a merge on (date, rank) puts them in order. Its total is
counted as `capped_count` counts the union: the index counts the agreements exactly, and
the other kinds are counted only while the sum stays within the cap.
"""

import heapq
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, select, tuple_
from sqlalchemy.orm import Session

from app.counting.ids import Unranked
from app.counting.index import AgreementIndex, Unanswerable, date_bounds
from app.counting.live import LiveIndex
from app.errors import InvalidParameter
from app.models._columns import LAST_GOING_UP, date_sort_key
from app.queries.agreements import ids_with_parties
from app.queries.common import COUNT_CAP, PageResult, capped_count
from app.queries.relations import (
    TIMELINE_KINDS,
    Bounds,
    TimelinePart,
    agreement_part,
    contacts,
    contacts_among,
    timeline,
    timeline_after,
    timeline_parts,
    timeline_result,
)
from app.schemas.common import date_bounds as timeline_bounds
from app.schemas.relations import TimelineFilters

AGREEMENT = TIMELINE_KINDS.index("agreement")
VISIT = TIMELINE_KINDS.index("visit")
MAX_OFFSET = 10_000
"""The deepest `offset` read kind by kind (each kind reads `offset + limit` entries); past
it the page is sorted in SQL, as before (a deep walk goes by cursor)."""
Position = tuple[date, int, str]
"""Where a timeline entry sorts: its date (undated: `LAST_GOING_UP`), rank and id."""


@dataclass(frozen=True)
class Head:
    """The first entries of a timeline (after a position), and how many agreements the
    whole timeline holds."""

    rows: list[dict]
    agreements: int


def timeline_page(
    session: Session, live: LiveIndex | None, families: list[list[str]], f: TimelineFilters
) -> PageResult:
    """One page of the families' timeline, as `relations.timeline` answers it: from the
    timeline's head where the counting index answers, else sorted whole in SQL."""
    if f.cursor and f.offset:
        raise InvalidParameter("use either cursor or offset, not both", parameter="cursor")
    head = None
    bounds = timeline_bounds(f.date_from, f.date_to)
    if f.offset <= MAX_OFFSET:
        after = timeline_after(f.cursor) if f.cursor else None
        head = timeline_head(session, live, families, bounds, f.offset + f.limit + 1, after)
    if head is None:
        return timeline(session, families, f, ids_with_parties(session, live, families))
    total = _total(session, timeline_parts(families), bounds, head.agreements)
    return timeline_result(head.rows[f.offset :], total, f.limit)


def timeline_head(
    session: Session,
    live: LiveIndex | None,
    families: list[list[str]],
    bounds: Bounds,
    n: int,
    after: Position | None = None,
) -> Head | None:
    """The first `n` entries of the families' timeline within `bounds`, after `after`; None
    where the counting index cannot answer (not built yet, or it cannot tell the database's
    id order), and SQL reads the timeline whole instead."""
    if live is None:
        return None
    with live.use(session) as index:
        if index is None:
            return None
        found = _agreements(index, families, bounds, n, after)
    if found is None:
        return None
    ids, agreements = found
    parts = timeline_parts(families, ids)
    heads = [
        _agreement_rows(session, parts[AGREEMENT], ids)
        if part.rank == AGREEMENT
        else _head(session, part, bounds, n, after, len(families) > 1)
        for part in parts
    ]
    return Head(list(heapq.merge(*heads, key=_day_and_rank))[:n], agreements)


def _day_and_rank(row: dict) -> tuple[date, int]:
    """The merge's key: within one (date, rank) the entries are of one kind, in its order."""
    return (row["date_start"] or LAST_GOING_UP, row["rank"])


def _agreements(
    index: AgreementIndex, families: list[list[str]], bounds: Bounds, n: int, after: Position | None
) -> tuple[list[str], int] | None:
    """The ids of the first `n` agreements after `after` in the timeline's order, and how
    many agreements the timeline holds; None when the index cannot order them."""
    start, end = bounds
    filters: dict[str, Any] = {"country": families}
    if start:
        filters["date_from"] = start
    if end:
        filters["date_to"] = end
    try:
        matches = index.matches(filters)
    except Unanswerable:
        return None
    if after is not None and after[1] > AGREEMENT and after[0] >= LAST_GOING_UP:
        return [], len(matches)  # after an undated entry of a later kind: none left
    keyset = None if after is None else _keyset(after)
    page = index.page(matches, False, n, 0, keyset, date_bounds(filters))
    return None if page is None else (page.ids, len(matches))


def _keyset(after: Position) -> tuple[date, str]:
    """Where the agreements after a timeline position start, as `AgreementIndex.page`'s
    keyset (a date and the id after which): after the position's own agreement, before
    every agreement of its day (an empty id) for an earlier kind, the next day for a later."""
    day, rank, last_id = after
    if rank == AGREEMENT:
        return day, last_id
    return (day, "") if rank < AGREEMENT else (day + timedelta(days=1), "")


def _agreement_rows(session: Session, part: TimelinePart, ids: list[str]) -> list[dict]:
    """The entries of agreements `ids` (its match), in the order given."""
    if not ids:
        return []
    found = {row["id"]: dict(row) for row in session.execute(part.entries()).mappings()}
    return [found[i] for i in ids]


def _head(
    session: Session,
    part: TimelinePart,
    bounds: Bounds,
    n: int,
    after: Position | None,
    sparse: bool,
) -> Iterator[dict]:
    """The first `n` entries of one kind after `after`: along the kind's date-sort index,
    or, when they are `sparse` (a pair's), all found first from the indexes of who took
    part, then sorted. (PostgreSQL otherwise walks the date index for a pair too, 73,000
    visits read at a million agreements to find Viet Nam's and Azerbaijan's 32: 81 ms.)"""
    key = date_sort_key(part.model.date_start, descending=False)
    stmt = part.entries(bounds)
    if after is not None:
        stmt = stmt.where(_after(part, key, after))
    if sparse:
        found = stmt.offset(0).subquery()  # OFFSET 0: the planner finds them, then sorts
        ordered = select(found).order_by(
            date_sort_key(found.c.date_start, descending=False), found.c.id
        )
    else:
        ordered = stmt.order_by(key, part.model.id)
    return (dict(row) for row in session.execute(ordered.limit(n)).mappings().all())


def _after(part: TimelinePart, key: Any, after: Position) -> ColumnElement[bool]:
    """The part's entries after the position: (date, rank, id) > `after`, with the rank a
    constant."""
    day, rank, last_id = after
    if part.rank > rank:
        return key >= day
    if part.rank < rank:
        return key > day
    return tuple_(key, part.model.id) > tuple_(day, last_id)


def _total(session: Session, parts: list[TimelinePart], bounds: Bounds, agreements: int) -> int:
    """What `capped_count` gives for the whole timeline: the sum of its kinds' counts, up to
    COUNT_CAP + 1 (a kind is counted only while the sum may still be within the cap)."""
    total = agreements
    for part in parts:
        if total > COUNT_CAP:
            break
        if part.rank != AGREEMENT:
            total += capped_count(session, part.entries(bounds))
    return min(total, COUNT_CAP + 1)


def pair_contacts(
    session: Session,
    live: LiveIndex | None,
    families: list[list[str]],
    visits: list[dict],
) -> tuple[dict | None, dict | None]:
    """`relations.contacts`, from the counting index where it answers (`indexed_contacts`,
    the pair's `visits` as there), or in SQL (with the pair's agreements from the index
    where it lists them)."""
    found = indexed_contacts(session, live, families, visits)
    if found is None:
        return contacts(session, families, ids_with_parties(session, live, families))
    return found


def indexed_contacts(
    session: Session,
    live: LiveIndex | None,
    families: list[list[str]],
    visits: list[dict],
) -> tuple[dict | None, dict | None] | None:
    """What `relations.contacts` finds (the earliest and the latest dated visit or
    agreement), among the pair's earliest and latest agreements, from the counting index
    (not by sorting every agreement of the pair in SQL), and `visits`: the timeline entries
    of its earliest-starting and latest-ending dated visits (`relations.contact_visits`). None
    where the index cannot answer."""
    if live is None:
        return None
    with live.use(session) as index:
        if index is None:
            return None
        try:
            matches = index.matches({"country": families})
            first = index.page(matches, False, 1)
            last = index.last_ending(matches)
        except (Unanswerable, Unranked):
            return None
    if first is None:
        return None
    ids = [*first.ids, *([last] if last else [])]
    candidates = _rows(session, agreement_part(ids).entries()) + visits
    if any(e["date_start"] is not None and e["date_end"] is None for e in candidates):
        return None  # a dated entry without an end: where SQL sorts it varies by database
    return contacts_among(sorted(candidates, key=_position))


def _position(entry: dict) -> tuple[date, int, str]:
    """An entry's place in the timeline (ids in code-point order, as `contacts_among`)."""
    return (entry["date_start"] or LAST_GOING_UP, entry["rank"], entry["id"])


def _rows(session: Session, stmt: Any) -> list[dict]:
    return [dict(row) for row in session.execute(stmt).mappings()]

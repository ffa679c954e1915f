"""Exact totals and facet counts for agreement lists, from bitmaps over row numbers.

Each agreement gets a row number when it is first indexed; each filter value (a party
country, a sector, a signatory, a kind, a year) holds the bitmap of the rows it
applies to. A filtered total is then the cardinality of an intersection of unions, and a
facet is one AND-count per value: milliseconds at a million agreements, where SQL has to
walk every match. Dates live in two arrays of day numbers, tested only on the candidates
the other filters leave.

The index holds no SQL: `app.counting.build` fills it from the database and
`app.counting.live` keeps it current.
"""

from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from pyroaring import BitMap

from app.counting.ids import IdStore, Unranked
from app.counting.links import LinkTable

UNDATED = np.iinfo(np.int32).max
"""The day number of a missing date: after every real one, so no date bound admits it."""

LAST_DAY = {False: date(9999, 12, 31).toordinal(), True: date(1, 1, 1).toordinal()}
"""The sort day of an undated agreement going up and going down (`date_sort_key`'s
sentinels): last either way."""

FACET_SIZE = 50
SQL_ROW_COST = 100
"""How many matches `page` orders in the time SQL takes to walk one row (see `pages_faster`)."""
DIMENSIONS = ("country", "sector", "signatory", "kind", "year")
NO_VISIT = 0
"""The visit code of an agreement made at no visit (see `AgreementIndex.visits`)."""

Groups = dict[str, Sequence[tuple[str, str]]]
"""Facet values, each with the (dimension, indexed value) pairs it rolls up."""
Rolled = tuple[str, BitMap, int | None]
"""A facet value, the union of its members' bitmaps, and its `LinkTable` code if any."""


@dataclass(frozen=True)
class AgreementRow:
    """What the index knows of one agreement: the values its filters and facets read."""

    id: str
    kind: str
    date: str | None
    date_start: date | None
    date_end: date | None
    visit_id: str | None
    countries: Sequence[str] = ()
    sectors: Sequence[str] = ()
    signatories: Sequence[str] = ()


@dataclass(frozen=True)
class Query:
    """Resolved filters, each an AND of ORs over direct values (families and descendants
    are already expanded): the same filters the SQL path applies, in the index's terms."""

    countries: Sequence[Sequence[str]] = ()
    sectors: Sequence[Sequence[str]] = ()
    signatories: Sequence[str] = ()
    kinds: Sequence[str] = ()
    visit: str | None = None
    start: date | None = None
    end: date | None = None


def _day(value: date | None) -> int:
    return value.toordinal() if value else UNDATED


@dataclass(frozen=True)
class IndexPage:
    """One page of a list, as the index orders it: the ids, and whether more follow."""

    ids: list[str]
    more: bool


def _empty_ids() -> IdStore:
    return IdStore(b"", np.zeros(1, dtype=np.uint32), None)


@dataclass
class AgreementIndex:
    """Bitmaps per filter value over row numbers; `live` holds the rows that exist.
    `app.counting.bulk` builds it; `put` and `remove` keep it current."""

    position: int = 0
    """The changes-feed id up to which the index is current."""
    live: BitMap = field(default_factory=BitMap)
    by: dict[str, dict[str, BitMap]] = field(
        default_factory=lambda: {name: defaultdict(BitMap) for name in DIMENSIONS}
    )
    starts: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))
    ends: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))
    ids: IdStore = field(default_factory=_empty_ids)
    visits: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint32))
    """Each row's visit code: one number per row, where a bitmap per visit would take some
    70 MB at a million agreements (a hundred thousand visits of ten agreements each)."""
    visit_ids: IdStore = field(default_factory=_empty_ids)
    """The visit of code c is `visit_ids.id(c - 1)` (a dict of a hundred thousand visit ids
    would take 10 MB more at a million agreements)."""
    links: dict[str, LinkTable] = field(default_factory=dict)
    """Facet dimensions also kept row by row, as built (see `app.counting.links`)."""
    stale: BitMap = field(default_factory=BitMap)
    """Rows put or removed since the build, whose `links` entries are out of date."""
    _rollups: dict[str, tuple[int, list[Rolled]]] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.live)

    # -- keeping current -------------------------------------------------------------------

    def row_of(self, agreement_id: str) -> int | None:
        return self.ids.row(agreement_id)

    def remove(self, agreement_id: str) -> None:
        row = self.row_of(agreement_id)
        if row is None or row not in self.live:
            return
        self._rollups.clear()
        self.stale.add(row)
        self.live.discard(row)
        self.visits[row] = NO_VISIT
        for bitmaps in self.by.values():
            for bitmap in bitmaps.values():
                bitmap.discard(row)

    def put(self, row: AgreementRow) -> None:
        """Index `row` (an agreement created or changed since the index was built)."""
        self.remove(row.id)
        self._rollups.clear()
        number = self.row_of(row.id)
        if number is None:
            number = self.ids.add(row.id)
            if number >= len(self.starts):
                grown = max(16, 2 * len(self.starts))
                self.starts = np.resize(self.starts, grown)
                self.ends = np.resize(self.ends, grown)
                self.visits = np.resize(self.visits, grown)
        self.stale.add(number)
        self.starts[number] = _day(row.date_start)
        self.ends[number] = _day(row.date_end)
        self.visits[number] = self._visit_code(row.visit_id) if row.visit_id else NO_VISIT
        self.live.add(number)
        for name, value in _values_of(row):
            self.by[name][value].add(number)

    # -- answering ---------------------------------------------------------------------------

    def matches(self, query: Query) -> BitMap:
        """The rows that pass every filter of `query`."""
        result = self.live
        groups: list[tuple[str, Sequence[str]]] = [
            *(("country", family) for family in query.countries),
            *(("sector", tree) for tree in query.sectors),
            *(("signatory", [signatory]) for signatory in query.signatories),
        ]
        if query.kinds:
            groups.append(("kind", query.kinds))
        for name, values in groups:
            result = result & self._union(name, values)
        if query.visit is not None:
            result = result & self._visited(query.visit)
        if query.start is None and query.end is None:
            return result
        rows = np.frombuffer(result.to_array(), dtype=np.uint32)
        keep = np.ones(len(rows), dtype=bool)
        if query.start is not None:
            keep &= self.ends[rows] >= query.start.toordinal()
            keep &= self.ends[rows] != UNDATED
        if query.end is not None:
            keep &= self.starts[rows] <= query.end.toordinal()
        return BitMap(array("I", rows[keep].tobytes()))

    def count(self, query: Query) -> int:
        return len(self.matches(query))

    def facet(
        self, matches: BitMap, name: str, groups: Callable[[], Groups]
    ) -> list[dict[str, object]]:
        """Counts within `matches` per value of facet `name`, the FACET_SIZE largest.
        `groups` gives each value's rolled-up members (a country and its predecessors one
        step back, a sector and its sub-sectors, a decade and its years); it is called,
        and each value's union made, once per feed position, not per request. A value of
        one member counts from the dimension's `LinkTable` where it has one (all values
        at once; rows changed since the build from their bitmaps)."""
        rolled = self._rollup(name, groups)
        table = self.links.get(name)
        direct = changed = None
        if table is not None:
            changed = matches & self.stale
            direct = table.counts(matches - changed if changed else matches)
        counts: list[tuple[int, str]] = []
        for value, bitmap, code in rolled:
            if direct is None or code is None:
                n = bitmap.intersection_cardinality(matches)
            else:
                n = int(direct[code])
                if changed:
                    n += bitmap.intersection_cardinality(changed)
            if n:
                counts.append((-n, value))
        counts.sort()
        return [{"value": value, "count": -n} for n, value in counts[:FACET_SIZE]]

    def page(
        self,
        matches: BitMap,
        descending: bool,
        limit: int,
        offset: int = 0,
        after: tuple[date, str] | None = None,
    ) -> IndexPage | None:
        """One page of `matches` in date order, exactly as SQL orders it (the date sort
        key: `date_start`, undated rows last either way; then id, the same way), from
        `offset`, or after the keyset cursor `after` (its sort value and id). None when
        the index cannot tell the database's order: rows added since the build, or a
        cursor's unknown id, under a collation other than code-point order.

        The order is one 64-bit key per match (day << 32 | id rank), and the page a
        partial sort of those keys: about a millisecond per 100,000 matches."""
        try:
            ranks = self.ids.ranks()
            bound = None if after is None else self.ids.rank_after(after[1], descending)
        except Unranked:
            return None
        rows = np.frombuffer(matches.to_array(), dtype=np.uint32)
        days = self.starts[rows].astype(np.int64)
        days[days == UNDATED] = LAST_DAY[descending]
        keys = (days << 32) | (rows if ranks is None else ranks[rows])
        if descending:
            keys = np.negative(keys)
        if after is not None and bound is not None:
            threshold = (after[0].toordinal() << 32) | bound
            keep = keys > -threshold if descending else keys >= threshold
            rows, keys = rows[keep], keys[keep]
        wanted = offset + limit + 1
        nearest = (
            np.argpartition(keys, wanted - 1)[:wanted]
            if wanted < len(keys)
            else np.arange(len(keys))
        )
        window = nearest[np.argsort(keys[nearest])][offset:wanted]
        ids = [self.ids.id(int(row)) for row in rows[window]]
        return IndexPage(ids[:limit], len(ids) > limit)

    def pages_faster(self, matches: BitMap, offset: int, limit: int) -> bool:
        """Whether `page` beats SQL walking its sort index for this page: SQL reads about
        (offset + limit) / density rows, testing the filters on each (microseconds per row);
        `page` costs some tens of nanoseconds per match. So a sparse match (a busy country
        and a sector: 4% of a million) pages from here, and the unfiltered list from SQL."""
        n = len(matches)
        return n * n <= (offset + limit) * len(self.ids) * SQL_ROW_COST

    def values(self, name: str) -> list[str]:
        """Every indexed value of one dimension that applies to a live row."""
        return [value for value, bitmap in self.by[name].items() if bitmap]

    def _rollup(self, name: str, groups: Callable[[], Groups]) -> list[Rolled]:
        cached = self._rollups.get(name)
        if cached is not None and cached[0] == self.position:
            return cached[1]
        table = self.links.get(name)
        rolled = []
        for value, members in groups().items():
            present = [b for b in (self.by[dim].get(v) for dim, v in members) if b]
            if not present:
                continue
            code = None
            if table is not None and len(members) == 1 and members[0][0] == name:
                code = table.code_of.get(members[0][1])
            bitmap = present[0] if len(present) == 1 else BitMap.union(*present)
            rolled.append((value, bitmap, code))
        self._rollups[name] = (self.position, rolled)
        return rolled

    def _visit_code(self, visit_id: str) -> int:
        row = self.visit_ids.row(visit_id)
        return 1 + (self.visit_ids.add(visit_id) if row is None else row)

    def _visited(self, visit: str) -> BitMap:
        row = self.visit_ids.row(visit)
        if row is None:
            return BitMap()
        rows = np.flatnonzero(self.visits == row + 1).astype(np.uint32)
        return BitMap(array("I", rows.tobytes()))

    def _union(self, name: str, values: Sequence[str]) -> BitMap:
        found = [self.by[name][v] for v in values if v in self.by[name]]
        if not found:
            return BitMap()
        return found[0] if len(found) == 1 else BitMap.union(*found)


def _values_of(row: AgreementRow) -> Iterable[tuple[str, str]]:
    yield "kind", row.kind
    if row.date:
        yield "year", row.date[:4]
    for country in row.countries:
        yield "country", country
    for sector in row.sectors:
        yield "sector", sector
    for signatory in row.signatories:
        yield "signatory", signatory

"""Exact totals and facet counts for agreement lists, from bitmaps over row numbers.

Each agreement gets a row number when it is first indexed; each filter value (a party
country, a sector, a signatory, a kind, a year) holds the bitmap of the rows it
applies to. A filtered total is then the cardinality of an intersection of unions, and a
facet is one AND-count per value: milliseconds at a million agreements, where SQL has to
walk every match. Dates live in two arrays of day numbers; since every date lies within
its year, the year bitmaps also split the date order into runs (see `Years`): a date range
is whole years plus at most two tested row by row, and a date-sorted page is sorted from
its first years' matches alone.

The index holds no SQL: `app.counting.build` fills it from the database and
`app.counting.live` keeps it current.
"""

from array import array
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

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
PREFIXES = 16
"""How many prefixes of the date order `Years` keeps (at a million rows, 2 MB)."""
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


Filters = Mapping[str, Any]
"""Resolved list filters by name (`app.schemas.agreements.Selection.filters`)."""
Dates = tuple[date | None, date | None]
"""The first and last day a list's dates may reach (None: no bound)."""


class Unanswerable(ValueError):
    """Filters the index does not answer reached it (they must go to SQL instead)."""


def date_bounds(filters: Filters) -> Dates:
    """The days `date_from` and `date_to` bound the list's dates by."""
    start, end = filters.get("date_from"), filters.get("date_to")
    return (start.start if start else None, end.end if end else None)


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
    `app.counting.bulk` builds it; `put` and `remove` keep it current.

    It answers the list filters in `FILTERS` and the facets in `FACETS`, by name: a list
    with any other (text, `as_of`, or one added later) is answered by SQL, never here with
    that filter left out (`matches` refuses it)."""

    FILTERS: ClassVar[frozenset[str]] = frozenset(
        {"country", "sector", "signatory", "kind", "visit", "date_from", "date_to"}
    )
    FACETS: ClassVar[frozenset[str]] = frozenset({"country", "sector", "kind", "year", "decade"})

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
    _years: "Years | None" = None
    """The year bitmaps in year order (see `_in_years`), until the next put or remove."""
    _dated_by_year: bool | None = None
    """Whether every row's dates lie within its year (None: not checked yet)."""

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
        self._years = None
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
        self._years = None
        if not _within_year(row):
            self._dated_by_year = False
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

    def matches(self, filters: Filters) -> BitMap:
        """The rows that pass every filter (each of `FILTERS`; any other is refused)."""
        unanswered = set(filters) - self.FILTERS
        if unanswered:
            raise Unanswerable(f"the counting index does not answer {sorted(unanswered)}")
        result = self.live
        groups: list[tuple[str, Sequence[str]]] = [
            *(("country", family) for family in filters.get("country", ())),
            *(("sector", tree) for tree in filters.get("sector", ())),
            *(("signatory", [signatory]) for signatory in filters.get("signatory", ())),
        ]
        if filters.get("kind"):
            groups.append(("kind", filters["kind"]))
        for name, values in groups:
            result = result & self._union(name, values)
        if filters.get("visit") is not None:
            result = result & self._visited(filters["visit"])
        lower, upper = date_bounds(filters)
        if lower is None and upper is None:
            return result
        years = self._in_years()
        if years is None:
            return self._in_range(result, lower, upper)
        start = lower.toordinal() if lower else -UNDATED
        end = upper.toordinal() if upper else UNDATED
        inside: list[int] = []
        edges: list[BitMap] = []
        for (year, bitmap), (first, last) in zip(years.bitmaps, years.days, strict=True):
            if start <= first and last <= end:
                inside.append(year)
            elif start <= last and first <= end:
                edges.append(bitmap)
        found = result & years.between(inside[0], inside[-1]) if inside else BitMap()
        if edges:
            found |= self._in_range(result & BitMap.union(*edges), lower, upper)
        return found

    def _in_range(self, rows: BitMap, start: date | None, end: date | None) -> BitMap:
        """The `rows` whose date interval overlaps [start, end], tested row by row."""
        numbers = np.frombuffer(rows.to_array(), dtype=np.uint32)
        keep = np.ones(len(numbers), dtype=bool)
        if start is not None:
            keep &= self.ends[numbers] >= start.toordinal()
            keep &= self.ends[numbers] != UNDATED
        if end is not None:
            keep &= self.starts[numbers] <= end.toordinal()
        return BitMap(array("I", numbers[keep].tobytes()))

    def count(self, filters: Filters) -> int:
        return len(self.matches(filters))

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
        within: Dates = (None, None),
    ) -> IndexPage | None:
        """One page of `matches` in date order, exactly as SQL orders it (the date sort
        key: `date_start`, undated rows last either way; then id, the same way), from
        `offset`, or after the keyset cursor `after` (its sort value and id). None when
        the index cannot tell the database's order: rows added since the build, or a
        cursor's unknown id, under a collation other than code-point order. `within`,
        the dates of the filters `matches` answers, spares looking outside them.

        The order is one 64-bit key per match (day << 32 | id rank), and the page a
        partial sort of the keys of the matches in the first years that hold it (see
        `_leading`): about a millisecond per 100,000 keys."""
        try:
            ranks = self.ids.ranks()
            bound = None if after is None else self.ids.rank_after(after[1], descending)
        except Unranked:
            return None
        wanted = offset + limit + 1
        rows = np.frombuffer(
            self._leading(matches, descending, wanted, after, within).to_array(), dtype=np.uint32
        )
        days = self.starts[rows].astype(np.int64)
        days[days == UNDATED] = LAST_DAY[descending]
        keys = (days << 32) | (rows if ranks is None else ranks[rows])
        if descending:
            keys = np.negative(keys)
        if after is not None and bound is not None:
            threshold = (after[0].toordinal() << 32) | bound
            keep = keys > -threshold if descending else keys >= threshold
            rows, keys = rows[keep], keys[keep]
        nearest = (
            np.argpartition(keys, wanted - 1)[:wanted]
            if wanted < len(keys)
            else np.arange(len(keys))
        )
        window = nearest[np.argsort(keys[nearest])][offset:wanted]
        ids = [self.ids.id(int(row)) for row in rows[window]]
        return IndexPage(ids[:limit], len(ids) > limit)

    def _leading(
        self,
        matches: BitMap,
        descending: bool,
        wanted: int,
        after: tuple[date, str] | None,
        within: Dates,
    ) -> BitMap:
        """The matches of the fewest years, first in sort order from the cursor's, that
        hold `wanted` rows besides the cursor's year: every row of a year sorts before
        every row of the next, so the page is among them. All of `matches` when the years
        run out (undated rows come after them), or cannot tell the order (see `_in_years`),
        or the cursor is at an undated row."""
        years = self._in_years()
        if years is None or (after is not None and after[0].toordinal() == LAST_DAY[descending]):
            return matches
        cursor = None if after is None else after[0].year
        first = within[0].year if within[0] else -UNDATED
        last = within[1].year if within[1] else UNDATED
        taken: list[BitMap] = []
        found = 0
        for year, bitmap in reversed(years.bitmaps) if descending else years.bitmaps:
            if not first <= year <= last or (
                cursor is not None and (year > cursor if descending else year < cursor)
            ):
                continue
            n = bitmap.intersection_cardinality(matches)
            if n:
                taken.append(bitmap & matches)
                found += 0 if year == cursor else n
            if found >= wanted:
                return BitMap.union(*taken)
        return matches

    def last_ending(self, matches: BitMap) -> str | None:
        """The dated match that ends last, the lowest id among those that end that day (in
        the database's id order, as `page`); None when no match is dated. Raises `Unranked`
        when the index cannot tell that order."""
        rows = np.frombuffer(matches.to_array(), dtype=np.uint32)
        rows = rows[self.starts[rows] != UNDATED]
        if not len(rows):
            return None
        ends = self.ends[rows]
        tied = rows[ends == ends.max()]
        ranks = self.ids.ranks()
        first = tied[np.argmin(tied if ranks is None else ranks[tied])]
        return self.ids.id(int(first))

    def pages_faster(self, matches: BitMap, offset: int, limit: int) -> bool:
        """Whether `page` beats SQL walking its sort index for this page: SQL reads about
        (offset + limit) / density rows, testing the filters on each (microseconds per row);
        `page` at most some tens of nanoseconds per match (only the matches of the first
        years that hold the page are sorted). So a sparse match (a busy country and a
        sector: 4% of a million) pages from here, and the unfiltered list from SQL."""
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

    def _in_years(self) -> "Years | None":
        """The years in order, when every row's dates lie within its year (as `date_start`
        and `date_end`, derived from `date`, do unless written around it): then the years
        split the date order into consecutive runs. None otherwise. The first call checks
        every row (milliseconds at a million); `put` checks its own."""
        if self._dated_by_year is None:
            self._dated_by_year = self._check_years()
        if not self._dated_by_year:
            return None
        if self._years is None:
            self._years = Years(
                sorted((int(year), b) for year, b in self.by["year"].items() if b), len(self)
            )
        return self._years

    def _check_years(self) -> bool:
        dated = BitMap()
        for year, bitmap in self.by["year"].items():
            if not bitmap:
                continue
            rows = np.frombuffer(bitmap.to_array(), dtype=np.uint32)
            first, last = _days_of(int(year))
            days = np.concatenate([self.starts[rows], self.ends[rows]])
            if days.min() < first or days.max() > last:
                return False
            dated |= bitmap
        rest = np.frombuffer((self.live - dated).to_array(), dtype=np.uint32)
        return bool(np.all(self.starts[rest] == UNDATED) and np.all(self.ends[rest] == UNDATED))

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


class Years:
    """The year bitmaps in year order, and some prefixes: the rows dated up to a pivot
    year, a pivot every 1/PREFIXES of the rows. A range of whole years is then a difference
    of two prefixes, each a pivot's and the few years after it: about as many rows' worth
    of work as a pivot spans (the years' bitmaps, unioned, cost one step per row in range:
    0.4 ms for 2000-2020 at a million agreements)."""

    def __init__(self, bitmaps: list[tuple[int, BitMap]], rows: int) -> None:
        self.bitmaps = bitmaps
        self.days = [_days_of(year) for year, _ in bitmaps]
        """Each year's first and last day numbers."""
        self._pivots: list[tuple[int, BitMap]] = []
        dated, since = BitMap(), 0
        for year, bitmap in bitmaps:
            dated |= bitmap
            since += len(bitmap)
            if since * PREFIXES >= rows:
                self._pivots.append((year, dated.copy()))
                since = 0
        self._pivot_years = [year for year, _ in self._pivots]

    def between(self, first: int, last: int) -> BitMap:
        """The rows dated in years `first` to `last`."""
        return self._through(last) - self._through(first - 1)

    def _through(self, year: int) -> BitMap:
        at = bisect_right(self._pivot_years, year) - 1
        after, base = self._pivots[at] if at >= 0 else (None, BitMap())
        rest = [b for y, b in self.bitmaps if (after is None or y > after) and y <= year]
        return base | BitMap.union(*rest) if rest else base


def _days_of(year: int) -> tuple[int, int]:
    """The day numbers of a year's first and last days."""
    return date(year, 1, 1).toordinal(), date(year, 12, 31).toordinal()


def _within_year(row: AgreementRow) -> bool:
    if not row.date:
        return row.date_start is None and row.date_end is None
    year = int(row.date[:4])
    return all(d is not None and d.year == year for d in (row.date_start, row.date_end))


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

"""Exact totals and facet counts for agreement lists, from bitmaps over row numbers.

Each agreement gets a row number when it is first indexed; each filter value (a party
country, a sector, a signatory, a visit, a kind, a year) holds the bitmap of the rows it
applies to. A filtered total is then the cardinality of an intersection of unions, and a
facet is one AND-count per value: milliseconds at a million agreements, where SQL has to
walk every match. Dates live in two arrays of day numbers, tested only on the candidates
the other filters leave.

The index holds no SQL: `app.counting.build` fills it from the database and
`app.counting.live` keeps it current.
"""

import hashlib
from array import array
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from pyroaring import BitMap

UNDATED = np.iinfo(np.int32).max
"""The day number of a missing date: after every real one, so no date bound admits it."""

FACET_SIZE = 50


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


def _key(agreement_id: str) -> int:
    """A 64-bit hash of an id: the row lookup keeps 8 bytes per agreement, not a string."""
    return int.from_bytes(hashlib.blake2b(agreement_id.encode(), digest_size=8).digest(), "big")


def _day(value: date | None) -> int:
    return value.toordinal() if value else UNDATED


@dataclass
class AgreementIndex:
    """Bitmaps per filter value over row numbers; `live` holds the rows that exist."""

    position: int = 0
    """The changes-feed id up to which the index is current."""
    live: BitMap = field(default_factory=BitMap)
    by: dict[str, dict[str, BitMap]] = field(
        default_factory=lambda: {
            name: defaultdict(BitMap)
            for name in ("country", "sector", "signatory", "visit", "kind", "year")
        }
    )
    starts: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))
    ends: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.int32))
    _keys: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint64))
    _key_rows: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=np.uint32))
    _added: dict[str, int] = field(default_factory=dict)
    _size: int = 0

    @classmethod
    def from_rows(cls, rows: Iterable[AgreementRow], position: int) -> "AgreementIndex":
        """Index every row at once: values are gathered in lists, each turned into a bitmap
        once, which is far faster than adding rows to bitmaps one by one."""
        index = cls(position=position)
        lists: dict[str, dict[str, array[int]]] = {
            name: defaultdict(lambda: array("I")) for name in index.by
        }
        keys, starts, ends = array("Q"), array("i"), array("i")
        for row_number, row in enumerate(rows):
            keys.append(_key(row.id))
            starts.append(_day(row.date_start))
            ends.append(_day(row.date_end))
            for name, value in _values_of(row):
                lists[name][value].append(row_number)
        index._size = len(keys)
        index.live = BitMap(range(index._size))
        for name, values in lists.items():
            for value, numbers in values.items():
                index.by[name][value] = BitMap(numbers)
            values.clear()
        index.starts = np.frombuffer(starts, dtype=np.int32).copy()
        index.ends = np.frombuffer(ends, dtype=np.int32).copy()
        hashes = np.frombuffer(keys, dtype=np.uint64)
        order = np.argsort(hashes, kind="stable")
        index._keys = hashes[order]
        index._key_rows = order.astype(np.uint32)
        return index

    def __len__(self) -> int:
        return len(self.live)

    # -- keeping current -------------------------------------------------------------------

    def row_of(self, agreement_id: str) -> int | None:
        if agreement_id in self._added:
            return self._added[agreement_id]
        key = np.uint64(_key(agreement_id))
        at = int(np.searchsorted(self._keys, key))
        if at < len(self._keys) and self._keys[at] == key:
            return int(self._key_rows[at])
        return None

    def remove(self, agreement_id: str) -> None:
        row = self.row_of(agreement_id)
        if row is None or row not in self.live:
            return
        self.live.discard(row)
        for bitmaps in self.by.values():
            for bitmap in bitmaps.values():
                bitmap.discard(row)

    def put(self, row: AgreementRow) -> None:
        """Index `row` (an agreement created or changed since the index was built)."""
        self.remove(row.id)
        number = self.row_of(row.id)
        if number is None:
            number = self._size
            self._size += 1
            self._added[row.id] = number
            if number >= len(self.starts):
                grown = max(16, 2 * len(self.starts))
                self.starts = np.resize(self.starts, grown)
                self.ends = np.resize(self.ends, grown)
        self.starts[number] = _day(row.date_start)
        self.ends[number] = _day(row.date_end)
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
        if query.visit is not None:
            groups.append(("visit", [query.visit]))
        for name, values in groups:
            result = result & self._union(name, values)
        if query.start is None and query.end is None:
            return result
        rows = np.array(result.to_array(), dtype=np.uint32)
        keep = np.ones(len(rows), dtype=bool)
        if query.start is not None:
            keep &= self.ends[rows] >= query.start.toordinal()
            keep &= self.ends[rows] != UNDATED
        if query.end is not None:
            keep &= self.starts[rows] <= query.end.toordinal()
        return BitMap(rows[keep])

    def count(self, query: Query) -> int:
        return len(self.matches(query))

    def facet(
        self, matches: BitMap, groups: dict[str, Sequence[tuple[str, str]]]
    ) -> list[dict[str, object]]:
        """Counts within `matches` per facet value; `groups` maps each value to the
        (dimension, indexed value) pairs it rolls up (a country and its predecessors one
        step back, a sector and its sub-sectors, a decade and its years)."""
        counts: list[tuple[int, str]] = []
        for value, members in groups.items():
            bitmaps = [self.by[name].get(v) for name, v in members]
            present = [b for b in bitmaps if b]
            if not present:
                continue
            bitmap = present[0] if len(present) == 1 else BitMap.union(*present)
            n = bitmap.intersection_cardinality(matches)
            if n:
                counts.append((-n, value))
        counts.sort()
        return [{"value": value, "count": -n} for n, value in counts[:FACET_SIZE]]

    def values(self, name: str) -> list[str]:
        """Every indexed value of one dimension that applies to a live row."""
        return [value for value, bitmap in self.by[name].items() if bitmap]

    def _union(self, name: str, values: Sequence[str]) -> BitMap:
        found = [self.by[name][v] for v in values if v in self.by[name]]
        if not found:
            return BitMap()
        return found[0] if len(found) == 1 else BitMap.union(*found)


def _values_of(row: AgreementRow) -> Iterable[tuple[str, str]]:
    yield "kind", row.kind
    if row.date:
        yield "year", row.date[:4]
    if row.visit_id:
        yield "visit", row.visit_id
    for country in row.countries:
        yield "country", country
    for sector in row.sectors:
        yield "sector", sector
    for signatory in row.signatories:
        yield "signatory", signatory

"""The counting index built in bulk, column by column.

Per agreement and per link only C-level work is done (`map`, `np.fromiter`, array
appends): each value becomes a small integer code beside its row number, and at the end one
stable sort per dimension groups the row numbers by value, each group becoming a bitmap at
once. Building a million agreements this way takes a few seconds and holds, besides the
index, two 4-byte numbers per link.
"""

from array import array
from collections.abc import Iterable, Sequence
from itertools import accumulate, islice

import numpy as np
from pyroaring import BitMap

from app.counting.ids import IdStore
from app.counting.index import DIMENSIONS, NO_VISIT, AgreementIndex
from app.counting.links import LinkTable

FLUSH = 1 << 18
TABLES = ("country",)
"""Link dimensions also kept row by row (see `app.counting.links`)."""


class _Codes(dict[str, int]):
    """Each value's code, a new value getting the next one."""

    def __missing__(self, value: str) -> int:
        code = self[value] = len(self)
        return code

    def of(self, values: Sequence[str]) -> np.ndarray:
        return np.fromiter(map(self.__getitem__, values), dtype=np.uint32, count=len(values))


class _Dimension:
    """(row, value code) pairs, turned into bitmaps every FLUSH pairs: a million
    agreements have some six million links, and holding them all would double the peak."""

    def __init__(self, keep: bool = False) -> None:
        self.codes = _Codes()
        self.rows = array("I")
        self.values = array("I")
        self.found: list[BitMap] = []
        self.kept = array("H") if keep else None
        """Every code in row order, for a `LinkTable` (2 bytes each: kept only for
        countries, a few hundred values)."""
        self.offsets = array("I", [0])
        """Where each row's codes end in `kept`."""

    def add(self, rows: np.ndarray, values: Sequence[str]) -> None:
        """Pairs of rows (in increasing order) and values."""
        codes = self.codes.of(values)
        self.rows.frombytes(rows.astype(np.uint32).tobytes())
        self.values.frombytes(codes.tobytes())
        if self.kept is not None:
            self.kept.frombytes(_two_bytes(codes, self.codes))
        if len(self.rows) >= FLUSH:
            self._flush()

    def table(self) -> LinkTable:
        assert self.kept is not None
        return LinkTable(
            np.frombuffer(self.kept, dtype=np.uint16),
            np.frombuffer(self.offsets, dtype=np.uint32),
            list(self.codes),
        )

    def bitmaps(self) -> dict[str, BitMap]:
        self._flush()
        return {value: self.found[code] for value, code in self.codes.items()}

    def _flush(self) -> None:
        """Group the pending rows by value with one stable sort (rows were added in
        increasing order, so each group is sorted: the fast path of BitMap's constructor)."""
        codes = np.frombuffer(self.values, dtype=np.uint32)
        rows = np.frombuffer(self.rows, dtype=np.uint32)[np.argsort(codes, kind="stable")]
        counts = np.bincount(codes, minlength=len(self.codes))
        ends = np.cumsum(counts)
        self.found += [BitMap() for _ in range(len(self.codes) - len(self.found))]
        present = np.flatnonzero(counts)
        for code, start, end in zip(
            present.tolist(), (ends - counts)[present].tolist(), ends[present].tolist(), strict=True
        ):
            self.found[code] |= BitMap(array("I", rows[start:end].tobytes()))
        del codes, rows
        self.rows, self.values = array("I"), array("I")


class Builder:
    """Agreements in the database's id order, a batch at a time, each batch then its links."""

    def __init__(self) -> None:
        self.size = 0
        self.dimensions = {name: _Dimension(keep=name in TABLES) for name in DIMENSIONS}
        self.visit_codes = _Codes({"": NO_VISIT})
        self.visits = array("I")
        self.year_codes = _Codes({"": 0})
        self.years = array("H")
        """Each row's year code (0: undated), for the year facet's `LinkTable`: one
        `bincount` instead of an AND-count per year (2 bytes a row)."""
        self.starts = array("i")
        self.ends = array("i")
        self.id_blob = bytearray()
        self.id_offsets = array("I", [0])
        """Where each id ends in `id_blob` (more than 4 GiB of ids is an OverflowError)."""
        self.last_id: str | None = None
        self.in_order = True
        self._batch: dict[str, int] = {}
        """The row number of each id of the last batch, for its links."""

    def agreements(
        self,
        ids: list[str],
        kinds: Sequence[str],
        years: Sequence[str],
        starts: np.ndarray,
        ends: np.ndarray,
        visits: Sequence[str],
    ) -> None:
        """Add a batch of agreements: columns of equal length, years and visits '' for none,
        dates as day numbers with UNDATED for none."""
        rows = np.arange(self.size, self.size + len(ids), dtype=np.uint32)
        self._batch = dict(zip(ids, range(self.size, self.size + len(ids)), strict=True))
        self.size += len(ids)
        self.dimensions["kind"].add(rows, kinds)
        year_codes = self.year_codes.of(years)
        self.years.frombytes(_two_bytes(year_codes, self.year_codes))
        dated = year_codes != 0
        self.dimensions["year"].add(rows[dated], [y for y in years if y])
        self.visits.frombytes(self.visit_codes.of(visits).tobytes())
        self.starts.frombytes(starts.astype(np.int32).tobytes())
        self.ends.frombytes(ends.astype(np.int32).tobytes())
        encoded = list(map(str.encode, ids))
        self.id_blob += b"".join(encoded)
        _extend_ends(self.id_offsets, map(len, encoded))
        self.in_order = (
            self.in_order and (self.last_id is None or self.last_id < ids[0]) and ids == sorted(ids)
        )
        self.last_id = ids[-1]

    def links(self, name: str, agreement_ids: Sequence[str], values: Sequence[str]) -> None:
        """Links of the last batch of agreements, in any order: `agreement_ids[i]` links
        to `values[i]`."""
        rows = np.fromiter(
            map(self._batch.__getitem__, agreement_ids), dtype=np.uint32, count=len(values)
        )
        if len(rows) > 1 and not np.all(rows[1:] >= rows[:-1]):
            order = np.argsort(rows, kind="stable")
            rows, values = rows[order], [values[i] for i in order.tolist()]
        dimension = self.dimensions[name]
        dimension.add(rows, values)
        if dimension.kept is not None:
            counts = np.bincount(rows - (self.size - len(self._batch)), minlength=len(self._batch))
            _extend_ends(dimension.offsets, counts.tolist())

    def finish(self, position: int) -> AgreementIndex:
        """The index, over the builder's own arrays (not copied: the builder is spent)."""
        offsets = np.frombuffer(self.id_offsets, dtype=np.uint32)
        lookup = None if self.in_order else _code_point_order(self.id_blob, offsets)
        index = AgreementIndex(
            position=position,
            live=BitMap(range(self.size)),
            starts=np.frombuffer(self.starts, dtype=np.int32),
            ends=np.frombuffer(self.ends, dtype=np.int32),
            ids=IdStore(self.id_blob, offsets, lookup),
            visits=np.frombuffer(self.visits, dtype=np.uint32),
            visit_ids=_id_store(list(self.visit_codes)[NO_VISIT + 1 :]),
        )
        for name, dimension in self.dimensions.items():
            index.by[name].update(dimension.bitmaps())
            if dimension.kept is not None:
                index.links[name] = dimension.table()
        years = np.frombuffer(self.years, dtype=np.uint16)
        index.links["year"] = LinkTable(years, None, list(self.year_codes))  # type: ignore[arg-type]
        return index


def _extend_ends(ends: array, lengths: Iterable[int]) -> None:
    """Append the end of each of `lengths`' spans, laid after the last end in `ends`."""
    ends.extend(islice(accumulate(lengths, initial=ends[-1]), 1, None))


def _two_bytes(codes: np.ndarray, values: _Codes) -> bytes:
    """`codes` as 2-byte numbers (a dimension kept row by row has a few hundred values; one
    2-byte number more stays free: the padding code of `LinkTable`'s fixed-width table)."""
    if len(values) >= 1 << 16:
        raise OverflowError(f"{len(values)} values do not fit 2-byte codes")
    return codes.astype(np.uint16).tobytes()


def _id_store(ids: list[str]) -> IdStore:
    """`ids` by their position in the list (encoded one at a time: no list of bytes)."""
    offsets = array("I", [0])
    _extend_ends(offsets, map(len, map(str.encode, ids)))
    order = np.array(sorted(range(len(ids)), key=ids.__getitem__), dtype=np.uint32)
    return IdStore("".join(ids).encode(), np.frombuffer(offsets, dtype=np.uint32), order)


def _code_point_order(blob: bytes | bytearray, offsets: np.ndarray) -> np.ndarray:
    """The rows sorted by their ids' code points (UTF-8 bytes sort the same way), for a
    database whose collation orders ids otherwise: the id lookup bisects in this order."""
    ids = IdStore(blob, offsets, None)
    return np.array(sorted(range(len(ids)), key=ids.id), dtype=np.uint32)

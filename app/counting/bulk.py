"""The counting index built in bulk, column by column.

Per agreement and per link only C-level work is done (`map`, `zip`, `array.extend`): each
value becomes a small integer code beside its row number, and at the end one stable sort per
dimension groups the row numbers by value, each group becoming a bitmap at once. Building a
million agreements this way takes a few seconds and holds, besides the index, two 4-byte
numbers per link.
"""

from array import array
from collections.abc import Iterable, Sequence
from datetime import date
from itertools import compress

import numpy as np
from pyroaring import BitMap

from app.counting.ids import IdStore
from app.counting.index import DIMENSIONS, UNDATED, AgreementIndex

EPOCH = date(1970, 1, 1).toordinal()
"""numpy counts days from 1970-01-01; the index counts them as `date.toordinal` does."""


class _Codes(dict[str, int]):
    """Each value's code, a new value getting the next one."""

    def __missing__(self, value: str) -> int:
        code = self[value] = len(self)
        return code


class _Dimension:
    def __init__(self) -> None:
        self.codes = _Codes()
        self.rows = array("I")
        self.values = array("I")

    def add(self, rows: Iterable[int], values: Iterable[str]) -> None:
        self.rows.extend(rows)
        self.values.extend(map(self.codes.__getitem__, values))

    def bitmaps(self) -> dict[str, BitMap]:
        """One bitmap per value (rows were added in increasing order, and the sort is stable,
        so each group is sorted: the fast path of BitMap's constructor)."""
        codes = np.frombuffer(self.values, dtype=np.uint32)
        rows = np.frombuffer(self.rows, dtype=np.uint32)[np.argsort(codes, kind="stable")]
        ends = np.cumsum(np.bincount(codes, minlength=len(self.codes)))
        result = {}
        for value, code in self.codes.items():
            start = ends[code - 1] if code else 0
            result[value] = BitMap(array("I", rows[start : ends[code]].tobytes()))
        return result


class Builder:
    """Agreements in the database's id order, in batches, then their links."""

    def __init__(self) -> None:
        self.size = 0
        self.dimensions = {name: _Dimension() for name in DIMENSIONS}
        self.starts = array("i")
        self.ends = array("i")
        self.id_parts: list[bytes] = []
        self.id_lengths = array("I")
        self.last_id: str | None = None
        self.in_order = True

    def agreements(
        self,
        ids: Sequence[str],
        kinds: Sequence[str],
        years: Sequence[str | None],
        starts: Sequence[str | date | None],
        ends: Sequence[str | date | None],
        visits: Sequence[str | None],
    ) -> range:
        """Add a batch of agreements (columns of equal length); their row numbers."""
        rows = range(self.size, self.size + len(ids))
        self.size = rows.stop
        self.dimensions["kind"].add(rows, kinds)
        self.dimensions["year"].add(compress(rows, years), filter(None, years))
        self.dimensions["visit"].add(compress(rows, visits), filter(None, visits))
        self.starts.extend(_days(starts))
        self.ends.extend(_days(ends))
        encoded = list(map(str.encode, ids))
        self.id_parts.append(b"".join(encoded))
        self.id_lengths.extend(map(len, encoded))
        as_list = list(ids)
        self.in_order = (
            self.in_order
            and (self.last_id is None or self.last_id < as_list[0])
            and as_list == sorted(as_list)
        )
        self.last_id = as_list[-1]
        return rows

    def links(self, name: str, rows: Iterable[int], values: Iterable[str]) -> None:
        self.dimensions[name].add(rows, values)

    def finish(self, position: int) -> AgreementIndex:
        lengths = np.frombuffer(self.id_lengths, dtype=np.uint32)
        wide = int(lengths.sum(dtype=np.uint64)) >= 2**32
        offsets = np.zeros(self.size + 1, dtype=np.uint64 if wide else np.uint32)
        np.cumsum(lengths, out=offsets[1:])
        blob = b"".join(self.id_parts)
        self.id_parts.clear()
        lookup = None if self.in_order else _code_point_order(blob, offsets)
        index = AgreementIndex(
            position=position,
            live=BitMap(range(self.size)),
            starts=np.frombuffer(self.starts, dtype=np.int32).copy(),
            ends=np.frombuffer(self.ends, dtype=np.int32).copy(),
            ids=IdStore(blob, offsets, lookup),
        )
        for name, dimension in self.dimensions.items():
            index.by[name].update(dimension.bitmaps())
        return index


def _days(values: Sequence[str | date | None]) -> np.ndarray:
    """Day numbers of ISO dates or dates (UNDATED for None), converted by numpy at once."""
    dates = np.array(values, dtype="datetime64[D]")
    return np.where(np.isnat(dates), UNDATED, dates.astype(np.int64) + EPOCH).astype(np.int32)


def _code_point_order(blob: bytes, offsets: np.ndarray) -> np.ndarray:
    """The rows sorted by their ids' code points (UTF-8 bytes sort the same way), for a
    database whose collation orders ids otherwise: the id lookup bisects in this order."""
    ids = IdStore(blob, offsets, None)
    return np.array(sorted(range(len(ids)), key=ids.id), dtype=np.uint32)

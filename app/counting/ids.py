"""Every indexed agreement's id, by row number, in about 20 bytes per agreement.

A list of a million `str` would take some 70 MB; here the ids are one UTF-8 blob and an
array of offsets. Rows built at start-up are numbered in the database's own id order, so a
row number is also the id's rank in `ORDER BY id`, whatever the collation. Agreements
created later get the next numbers and are ranked among the others by comparing code points,
which is the database's order when its collation is byte- or code-point-wise (SQLite's
BINARY, PostgreSQL's C); under another collation `ranks` cannot place them and says so.
"""

from bisect import bisect_left, bisect_right

import numpy as np


class IdStore:
    def __init__(
        self, blob: bytes | bytearray, offsets: np.ndarray, lookup: np.ndarray | None
    ) -> None:
        """`offsets` has one more entry than there are ids; `lookup` lists the rows in
        code-point order of their ids, or is None when the rows already are in that order."""
        self._blob = blob
        self._offsets = offsets
        self._lookup = lookup
        self._built = len(offsets) - 1
        self._added: dict[str, int] = {}
        self._added_ids: list[str] = []
        self._ranks: np.ndarray | None = None

    def __len__(self) -> int:
        return self._built + len(self._added_ids)

    def id(self, row: int) -> str:
        if row >= self._built:
            return self._added_ids[row - self._built]
        return self._blob[self._offsets[row] : self._offsets[row + 1]].decode()

    def row(self, agreement_id: str) -> int | None:
        if agreement_id in self._added:
            return self._added[agreement_id]
        key = agreement_id.encode()
        at = bisect_left(range(self._built), key, key=self._sorted_bytes)
        if at < self._built and self._sorted_bytes(at) == key:
            return self._built_row(at)
        return None

    def add(self, agreement_id: str) -> int:
        """The row number of an agreement created since the build."""
        row = len(self)
        self._added[agreement_id] = row
        self._added_ids.append(agreement_id)
        self._ranks = None
        return row

    def ranks(self) -> np.ndarray | None:
        """Each row's position in id order (None: no row added since the build, so a row
        number is its rank). Raises `Unranked` when added rows cannot be placed."""
        if not self._added_ids:
            return None
        if self._lookup is not None:
            raise Unranked
        if self._ranks is None:
            added = sorted(self._added_ids)
            before = np.array([self._count_built(a, bisect_left) for a in added], dtype=np.int64)
            ranks = np.empty(len(self), dtype=np.int64)
            built = np.arange(self._built, dtype=np.int64)
            ranks[: self._built] = built + np.searchsorted(before, built, side="right")
            for j, agreement_id in enumerate(added):
                ranks[self._added[agreement_id]] = before[j] + j
            self._ranks = ranks
        return self._ranks

    def rank_after(self, agreement_id: str, descending: bool) -> int:
        """The rank bound of the rows after `agreement_id` in a keyset walk: going up the
        first rank after it (ids <= it), going down the first rank not before it (ids < it).
        Raises `Unranked` when an id the index lacks cannot be placed."""
        row = self.row(agreement_id)
        ranks = self.ranks()
        if row is not None:
            rank = row if ranks is None else int(ranks[row])
            return rank if descending else rank + 1
        if self._lookup is not None:
            raise Unranked
        bisect = bisect_left if descending else bisect_right
        added = sorted(self._added_ids)
        return self._count_built(agreement_id, bisect) + bisect(added, agreement_id)

    def _count_built(self, agreement_id: str, bisect) -> int:  # type: ignore[no-untyped-def]
        return bisect(range(self._built), agreement_id.encode(), key=self._sorted_bytes)

    def _built_row(self, at: int) -> int:
        return at if self._lookup is None else int(self._lookup[at])

    def _sorted_bytes(self, at: int) -> bytes | bytearray:
        row = self._built_row(at)
        return self._blob[self._offsets[row] : self._offsets[row + 1]]


class Unranked(Exception):
    """Rows whose place in the database's id order the index cannot tell."""

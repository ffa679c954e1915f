"""One link dimension's values, row after row, for facets with many values.

A facet value's count is one AND-count of its bitmap with the matches: cheap for a few
values, but a country facet has some 250, each a bitmap spread over every row (80% of a
busy filter's facet time at a million agreements). Here every row's value codes are kept
in row order instead, so one gather over the matches and one `bincount` give every value's
count at once.

Most agreements have a few parties, so each row's first WIDTH codes sit in a fixed-width
table (a row with fewer is padded with a code no value has): a gather of whole rows, with
no per-row offsets to work out. The codes past WIDTH, for the few rows with more (a
multilateral treaty's parties), are kept as a sparse matrix's rows.
"""

import numpy as np
from pyroaring import BitMap

WIDTH = 4
FILL = 1 << 16
"""Rows laid into the fixed-width table at a time (at once, its temporaries added 35 MB to a
worker's peak at a million agreements)."""
CHUNK = 4096
"""Rows counted at a time, so that each step's temporary arrays (up to WIDTH codes a row, as
8-byte numbers in `bincount`) stay under the size from which a worker's malloc maps every
block anew (`app.memory.MMAP_FROM`) and faults its pages in on each call. The busy filter's
country facet at a million agreements: 3.2 ms with offsets per row in one go, 0.9 ms so."""


class LinkTable:
    def __init__(self, codes: np.ndarray, offsets: np.ndarray | None, values: list[str]) -> None:
        """Row r's value codes are `codes[offsets[r]:offsets[r + 1]]`, or with no `offsets`
        (a dimension of one value per row, such as the year) the one code `codes[r]`;
        `values[code]` is the value of a code."""
        self.code_of = {value: code for code, value in enumerate(values)}
        self._rows = len(codes) if offsets is None else len(offsets) - 1
        if offsets is None:
            self._wide = codes.reshape(-1, 1)
            self._pad = None
            self._over = BitMap()
            return
        self._pad = len(values)
        self._wide = np.full((self._rows, WIDTH), self._pad, dtype=codes.dtype)
        over: list[np.ndarray] = []
        for first in range(0, self._rows, FILL):  # a part at a time: a small peak
            ends = offsets[first : first + FILL + 1].astype(np.int64)
            lengths = np.diff(ends)
            for column in range(WIDTH):
                rows = np.flatnonzero(lengths > column)
                self._wide[first + rows, column] = codes[ends[rows] + column]
            over.append(first + np.flatnonzero(lengths > WIDTH))
        self._over_rows = np.concatenate(over).astype(np.uint32)
        """The rows with more than WIDTH codes, in order; the i-th one's further codes
        are the `_over_lengths[i]` codes from `_over_codes[_over_offsets[i]]`."""
        self._over = BitMap(self._over_rows)
        starts = offsets[self._over_rows].astype(np.int64) + WIDTH
        self._over_lengths = offsets[self._over_rows + 1].astype(np.int64) - starts
        self._over_offsets = np.cumsum(self._over_lengths) - self._over_lengths
        self._over_codes = codes[_spans(starts, self._over_lengths)]

    def __len__(self) -> int:
        return self._rows

    def counts(self, rows: BitMap) -> np.ndarray:
        """How many of `rows` (rows this table holds) link to each value, by code."""
        numbers = np.frombuffer(rows.to_array(), dtype=np.uint32)
        size = len(self.code_of) + (self._pad is not None)
        counts = np.zeros(size, dtype=np.int64)
        for start in range(0, len(numbers), CHUNK):
            counts += np.bincount(
                np.take(self._wide, numbers[start : start + CHUNK], axis=0).ravel(), minlength=size
            )
        counts = counts[: len(self.code_of)]
        over = rows & self._over
        if over:
            at = np.searchsorted(self._over_rows, np.frombuffer(over.to_array(), dtype=np.uint32))
            spans = _spans(self._over_offsets[at], self._over_lengths[at])
            counts += np.bincount(self._over_codes[spans], minlength=len(self.code_of))
        return counts


def _spans(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The positions of each span in turn (`starts[i]` onwards, `lengths[i]` of them)."""
    first = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return first + np.arange(len(first), dtype=np.int64)

"""A link table counts each value's rows as a count over every link would, however many
rows are asked at once (`counts` goes through them in chunks)."""

from collections import Counter

import numpy as np
import pytest
from pyroaring import BitMap

from app.counting import links as link_tables
from app.counting.links import CHUNK, LinkTable

VALUES = ["AZ", "VN", "SU", "US", "FR", "DE", "CN", "IN"]


def _table(links: list[list[int]]) -> LinkTable:
    offsets = np.cumsum([0, *map(len, links)], dtype=np.uint32)
    codes = np.array([code for row in links for code in row], dtype=np.uint16)
    return LinkTable(codes, offsets, VALUES)


def test_counts_over_several_chunks_equal_a_count_of_every_link(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(link_tables, "FILL", 1000)  # the table laid out in several parts
    rng = np.random.default_rng(5)
    links = [
        sorted(
            rng.choice(len(VALUES), size=rng.integers(0, len(VALUES) + 1), replace=False).tolist()
        )
        for _ in range(3 * CHUNK + 17)
    ]
    table = _table(links)
    for rows in (
        BitMap(range(len(links))),
        BitMap(rng.choice(len(links), CHUNK + 5, replace=False)),
    ):
        expected = Counter(VALUES[code] for row in rows for code in links[row])
        counts = table.counts(rows)
        assert {value: int(counts[code]) for value, code in table.code_of.items()} == {
            value: expected[value] for value in VALUES
        }


def test_one_value_per_row_counts_by_row() -> None:
    codes = np.array([i % len(VALUES) for i in range(2 * CHUNK + 3)], dtype=np.uint16)
    table = LinkTable(codes, None, VALUES)
    counts = table.counts(BitMap(range(0, len(codes), 2)))
    expected = Counter(VALUES[codes[row]] for row in range(0, len(codes), 2))
    assert {value: int(counts[code]) for value, code in table.code_of.items()} == {
        value: expected[value] for value in VALUES
    }

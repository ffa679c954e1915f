"""A source's text cut into runs around the passages quoted from it, so that every passage is
highlighted, overlapping ones included, in HTML that stays valid: the text is cut at every
passage's start and end, each run covered by a passage is one `<mark>`, and a passage's
anchor is a `<mark id=...>` nested in the run it starts on (it opens and closes there, so
nothing overlaps). After each stretch of overlapping passages comes what they support."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise


@dataclass(frozen=True)
class Support:
    """What a passage supports: a record (its link and label) and the field, if one."""

    label: str
    href: str
    field: str | None


@dataclass(frozen=True)
class Passage:
    anchor: str
    """The id of its `<mark>` (`citation-12`, `reading-<discrepancy>-0`)."""
    quote: str
    supports: Support


@dataclass
class Run:
    text: str
    marked: bool
    anchors: list[str] = field(default_factory=list)
    """The passages that start on this run."""
    notes: list[tuple[Support, list[str]]] = field(default_factory=list)
    """After the run, when a stretch of passages ends on it: each record they support, with
    the fields."""


def cut(text: str, passages: Sequence[Passage]) -> tuple[list[Run], list[Passage]]:
    """The text as runs, and the passages not found in it (none for a consistent database:
    seeding and writes refuse a quote that is not verbatim)."""
    placed: list[tuple[int, int, Passage]] = []
    missing = []
    for passage in passages:
        start = text.find(passage.quote) if passage.quote else -1
        if start < 0:
            missing.append(passage)
        else:
            placed.append((start, start + len(passage.quote), passage))
    bounds = sorted({0, len(text), *(s for s, _, _ in placed), *(e for _, e, _ in placed)})
    starting: dict[int, list[tuple[int, Passage]]] = defaultdict(list)
    ending: dict[int, int] = defaultdict(int)
    for start, end, passage in sorted(placed, key=lambda p: (p[0], p[2].anchor)):
        starting[start].append((end, passage))
        ending[end] += 1
    runs: list[Run] = []
    stretch: list[Passage] = []
    reach = active = 0
    for begin, end in pairwise(bounds):
        active += len(starting[begin]) - ending[begin]
        stretch += [p for _, p in starting[begin]]
        reach = max([reach, *(e for e, _ in starting[begin])])
        run = Run(text[begin:end], active > 0, [p.anchor for _, p in starting[begin]])
        runs.append(run)
        if stretch and end >= reach:
            run.notes = _notes(stretch)
            stretch = []
    return runs, missing


def _notes(passages: list[Passage]) -> list[tuple[Support, list[str]]]:
    """Each record the passages support, once, with the fields they are quoted for."""
    by_record: dict[tuple[str, str], tuple[Support, list[str]]] = {}
    for passage in passages:
        key = (passage.supports.href, passage.supports.label)
        _, fields = by_record.setdefault(key, (passage.supports, []))
        name = passage.supports.field or "the record"
        if name not in fields:
            fields.append(name)
    return list(by_record.values())

"""The rules between records: every id a record mentions exists, every quote is verbatim in
its source, the sector tree has no cycle, a source's text matches its SHA-256.

One checker for every way data comes in. Seeding asks it about records read from the seed
files (`InMemory`: what the files hold), the write API about one record against the
database (`InDatabase`), and `import` about rows, through the same `Checker` primitives.
A problem is (location, message); the location is a path such as `("citations", 0,
"quote")`, written `citations.0.quote` by the API and `citations[0].quote` by seeding.
"""

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Literal, Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Agreement,
    AgreementEvent,
    Body,
    Citation,
    Country,
    DiscrepancyReading,
    RelationEvent,
    Sector,
    Signatory,
    Source,
    Visit,
)
from app.records.shapes import (
    AgreementRecord,
    BodyRecord,
    CitationIn,
    CountryLink,
    DiscrepancyRecord,
    EntityRecord,
    RelationRecord,
    SectorRecord,
    SignatoryRecord,
    SourceDocument,
    VisitRecord,
)

Kind = Literal["country", "sector", "signatory", "visit", "agreement", "relation", "event", "body"]
Loc = tuple[str | int, ...]
Problem = tuple[Loc, str]

MODELS: dict[str, type] = {
    "country": Country,
    "sector": Sector,
    "signatory": Signatory,
    "visit": Visit,
    "agreement": Agreement,
    "relation": RelationEvent,
    "event": AgreementEvent,
    "body": Body,
}


def dotted(loc: Loc) -> str:
    """`citations.0.quote`: how the API and Pydantic name a field."""
    return ".".join(str(part) for part in loc) or "-"


def bracketed(loc: Loc) -> str:
    """`citations[0].quote`: how seed file errors name a field."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out or "-"


class Known(Protocol):
    """What exists: the ids of each kind of record, the sources' texts, the sector tree."""

    def has(self, kind: Kind, record_id: str) -> bool: ...

    def source_text(self, source_id: str) -> str | None: ...

    def sector_parent(self, sector_id: str) -> str | None: ...


@dataclass
class InMemory:
    """What a set of records holds (the seed files, before anything is written)."""

    ids: Mapping[str, set[str]]
    texts: Mapping[str, str]
    parents: Mapping[str, str | None] = field(default_factory=dict)

    def has(self, kind: Kind, record_id: str) -> bool:
        return record_id in self.ids.get(kind, ())

    def source_text(self, source_id: str) -> str | None:
        return self.texts.get(source_id)

    def sector_parent(self, sector_id: str) -> str | None:
        return self.parents.get(sector_id)


@dataclass
class InDatabase:
    """What the database holds, seen through a session (rows it already loaded are reused)."""

    session: Session
    texts: dict[str, str | None] = field(default_factory=dict)

    def has(self, kind: Kind, record_id: str) -> bool:
        return self.session.get(MODELS[kind], record_id) is not None

    def source_text(self, source_id: str) -> str | None:
        if source_id not in self.texts:  # each source's text is read once per check
            self.texts[source_id] = self.session.scalar(
                select(Source.text).where(Source.id == source_id)
            )
        return self.texts[source_id]

    def sector_parent(self, sector_id: str) -> str | None:
        row = self.session.get(Sector, sector_id)
        return row.parent_id if row else None


class Checker:
    """Collects the problems of one or more records."""

    def __init__(self, known: Known) -> None:
        self.known = known
        self.problems: list[Problem] = []

    def ref(self, loc: Loc, kind: Kind, value: str | None) -> None:
        """`value`, when set, must be the id of an existing record of `kind`."""
        if value is not None and not self.known.has(kind, value):
            self.problems.append((loc, f"unknown {kind} id {value!r}"))

    def quote(self, loc: Loc, source: str, quote: str) -> None:
        """`quote` must be a passage of `source`; `loc` is the citation's (or reading's)."""
        text = self.known.source_text(source)
        if text is None:
            self.problems.append(((*loc, "source"), f"unknown source {source!r}"))
        elif quote not in text:
            self.problems.append(((*loc, "quote"), f"not a verbatim quote of source {source!r}"))

    def citations(self, loc: Loc, items: Iterable[CitationIn]) -> None:
        for i, c in enumerate(items):
            self.quote((*loc, i), c.source, c.quote)

    def sector_parent(self, sector_id: str, parent: str | None) -> None:
        """The parent exists, and following parents never comes back to the sector."""
        self.ref(("parent",), "sector", parent)
        seen = {sector_id}
        while parent is not None and self.known.has("sector", parent):
            if parent in seen:
                self.problems.append((("parent",), "would make the sector tree a cycle"))
                return
            seen.add(parent)
            parent = self.known.sector_parent(parent)


def sha256_problem(text: str, sha256: str) -> str | None:
    """Why a source's stored digest does not vouch for its text, or None."""
    actual = hashlib.sha256(text.encode()).hexdigest()
    if actual != sha256:
        return f"the text's SHA-256 is {actual}, not the recorded {sha256}"
    return None


def _run(known: Known, check: Callable[[Checker], None]) -> list[Problem]:
    c = Checker(known)
    check(c)
    return c.problems


def check_agreement(known: Known, a: AgreementRecord) -> list[Problem]:
    def check(c: Checker) -> None:
        c.ref(("visit",), "visit", a.visit)
        c.ref(("place_country",), "country", a.place_country)
        for i, p in enumerate(a.parties):
            c.ref(("parties", i, "country"), "country", p.country)
        for i, s in enumerate(a.signatories):
            c.ref(("signatories", i, "signatory"), "signatory", s.signatory)
            c.ref(("signatories", i, "side"), "country", s.side)
        for i, sector in enumerate(a.sectors):
            c.ref(("sectors", i), "sector", sector)
        for i, other in enumerate(a.references):
            if other == a.id:
                c.problems.append((("references", i), "an agreement cannot refer to itself"))
            else:
                c.ref(("references", i), "agreement", other)
        for i, e in enumerate(a.events):
            c.ref(("events", i, "country"), "country", e.country)
            c.citations(("events", i, "citations"), e.citations)
        c.citations(("citations",), a.citations)

    return _run(known, check)


def check_visit(known: Known, v: VisitRecord) -> list[Problem]:
    def check(c: Checker) -> None:
        c.ref(("guest",), "signatory", v.guest)
        c.ref(("guest_country",), "country", v.guest_country)
        c.ref(("host_country",), "country", v.host_country)
        c.citations(("citations",), v.citations)

    return _run(known, check)


def check_signatory(known: Known, s: SignatoryRecord) -> list[Problem]:
    def check(c: Checker) -> None:
        c.ref(("country",), "country", s.country)
        c.citations(("citations",), s.citations)

    return _run(known, check)


def check_sector(known: Known, s: SectorRecord) -> list[Problem]:
    return _run(known, lambda c: c.sector_parent(s.id, s.parent))


def check_relation(known: Known, r: RelationRecord) -> list[Problem]:
    def check(c: Checker) -> None:
        for i, country in enumerate(r.countries):
            c.ref(("countries", i), "country", country)
        c.ref(("agreement",), "agreement", r.agreement)
        c.citations(("citations",), r.citations)

    return _run(known, check)


def check_body(known: Known, b: BodyRecord) -> list[Problem]:
    def check(c: Checker) -> None:
        for i, country in enumerate(b.countries):
            c.ref(("countries", i), "country", country)
        c.citations(("citations",), b.citations)

    return _run(known, check)


def check_country_citations(known: Known, code: str, items: list[CitationIn]) -> list[Problem]:
    """Citations of an ISO country's curated names (`countries.yaml` `citations:`)."""

    def check(c: Checker) -> None:
        c.ref(("citations",), "country", code)
        c.citations(("citations",), items)

    return _run(known, check)


def check_discrepancy(known: Known, d: DiscrepancyRecord) -> list[Problem]:
    def check(c: Checker) -> None:
        c.ref(("record", "id"), d.record.type, d.record.id)
        for i, reading in enumerate(d.readings):
            c.quote(("readings", i), reading.source, reading.quote)

    return _run(known, check)


def check_country(known: Known, record: CountryLink | EntityRecord) -> list[Problem]:
    def check(c: Checker) -> None:
        c.ref(("successor",), "country", record.successor)
        c.ref(("part_of",), "country", record.part_of)
        c.citations(("citations",), record.citations)

    return _run(known, check)


def check_source(session: Session, doc: SourceDocument) -> list[Problem]:
    """A source's new text must still contain every quote that cites it."""
    quotes = [
        *session.scalars(select(Citation.quote).where(Citation.source_id == doc.id)),
        *session.scalars(
            select(DiscrepancyReading.quote).where(DiscrepancyReading.source_id == doc.id)
        ),
    ]
    broken = sum(1 for q in quotes if q not in doc.text)
    if broken:
        return [(("text",), f"{broken} existing quote(s) of this source are not in the new text")]
    return []

"""The seed files' rules, checked against the database: references resolve, quotes are
verbatim. Each problem is (field, message), the field dotted like `citations.0.quote`."""

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Country, Sector, Signatory, Source, Visit
from app.seeding.records import (
    AgreementRecord,
    CitationIn,
    SectorRecord,
    SignatoryRecord,
    VisitRecord,
)

Problem = tuple[str, str]


class _Checker:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.problems: list[Problem] = []

    def exists(self, model: type, field: str, value: str | None) -> None:
        if value is not None and self.session.get(model, value) is None:
            self.problems.append((field, f"unknown id {value!r}"))

    def quotes(self, prefix: str, citations: Iterable[CitationIn]) -> None:
        citations = list(citations)
        sources = {c.source for c in citations}
        texts = dict(
            self.session.execute(select(Source.id, Source.text).where(Source.id.in_(sources))).all()
        )
        for i, c in enumerate(citations):
            if c.source not in texts:
                self.problems.append((f"{prefix}.{i}.source", f"unknown source {c.source!r}"))
            elif c.quote not in texts[c.source]:
                self.problems.append(
                    (f"{prefix}.{i}.quote", f"not a verbatim quote of source {c.source!r}")
                )


def check_agreement(session: Session, a: AgreementRecord) -> list[Problem]:
    c = _Checker(session)
    c.exists(Visit, "visit", a.visit)
    c.exists(Country, "place_country", a.place_country)
    for i, p in enumerate(a.parties):
        c.exists(Country, f"parties.{i}.country", p.country)
    for i, s in enumerate(a.signatories):
        c.exists(Signatory, f"signatories.{i}.signatory", s.signatory)
        c.exists(Country, f"signatories.{i}.side", s.side)
    for i, sector in enumerate(a.sectors):
        c.exists(Sector, f"sectors.{i}", sector)
    for i, e in enumerate(a.events):
        c.exists(Country, f"events.{i}.country", e.country)
        c.quotes(f"events.{i}.citations", e.citations)
    c.quotes("citations", a.citations)
    return c.problems


def check_visit(session: Session, v: VisitRecord) -> list[Problem]:
    c = _Checker(session)
    c.exists(Signatory, "guest", v.guest)
    c.exists(Country, "guest_country", v.guest_country)
    c.exists(Country, "host_country", v.host_country)
    c.quotes("citations", v.citations)
    return c.problems


def check_signatory(session: Session, s: SignatoryRecord) -> list[Problem]:
    c = _Checker(session)
    c.exists(Country, "country", s.country)
    c.quotes("citations", s.citations)
    return c.problems


def check_sector(session: Session, s: SectorRecord) -> list[Problem]:
    c = _Checker(session)
    c.exists(Sector, "parent", s.parent)
    parent, seen = s.parent, {s.id}
    while parent is not None:
        if parent in seen:
            c.problems.append(("parent", "would make the sector tree a cycle"))
            break
        seen.add(parent)
        row = session.get(Sector, parent)
        parent = row.parent_id if row else None
    return c.problems


def check_citation(session: Session, citation: CitationIn) -> list[Problem]:
    c = _Checker(session)
    c.quotes("citations", [citation])
    return [(field.removeprefix("citations.0."), message) for field, message in c.problems]

"""Each writable kind of record: how to parse, check, read, write and delete it.

Parsing and checking apply the seed files' rules (app.records); reading gives the record in
the seed shape (app.seeding.snapshot), which is also what the audit log keeps.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, delete, select
from sqlalchemy.orm import Session

from app.models import (
    Agreement,
    AgreementEvent,
    AgreementSector,
    AgreementSignatory,
    Citation,
    Discrepancy,
    DiscrepancyReading,
    RelationEvent,
    Sector,
    Signatory,
    Source,
    Visit,
)
from app.records import checks
from app.records.shapes import (
    AgreementRecord,
    SectorRecord,
    SignatoryRecord,
    SourceDocument,
    VisitRecord,
)
from app.seeding import rows, snapshot


@dataclass(frozen=True)
class Resource:
    name: str
    plural: str
    model: type
    record: type[BaseModel]
    read: Callable[[Session, str], BaseModel | None]
    check: Callable[[Session, Any], list[checks.Problem]]
    write: Callable[[Session, Any], None]
    remove: Callable[[Session, str], None]
    blocker: Callable[[Session, str], str | None]
    """Why the record cannot be deleted (which records point at it), or None."""


def _in_database(check: Callable[[checks.Known, Any], list[checks.Problem]]):  # type: ignore[no-untyped-def]
    """A record check run against what the database holds."""
    return lambda session, record: check(checks.InDatabase(session), record)


def names_of(session: Session) -> rows.NamesOf:
    def lookup(signatory_id: str) -> list[str]:
        row = session.get(Signatory, signatory_id)
        return [row.name, *row.aliases] if row else []

    return lookup


def _drop_citations(session: Session, record_type: str, record_ids: list[str]) -> None:
    if record_ids:
        session.execute(
            delete(Citation).where(
                Citation.record_type == record_type, Citation.record_id.in_(record_ids)
            )
        )


def _event_ids(session: Session, agreement_id: str) -> list[str]:
    return list(
        session.scalars(
            select(AgreementEvent.id).where(AgreementEvent.agreement_id == agreement_id)
        )
    )


def _write_agreement(session: Session, a: AgreementRecord) -> None:
    _drop_citations(session, "event", _event_ids(session, a.id))
    session.merge(rows.agreement_row(a, names_of(session)))
    session.flush()
    rows.replace_citations(session, rows.agreement_citations(a))


def _remove_agreement(session: Session, agreement_id: str) -> None:
    _drop_citations(session, "event", _event_ids(session, agreement_id))
    _drop_citations(session, "agreement", [agreement_id])
    session.delete(session.get(Agreement, agreement_id))


def _write_cited(row_of: Callable[[Session, Any], object], record_type: str):  # type: ignore[no-untyped-def]
    def write(session: Session, record: Any) -> None:
        session.merge(row_of(session, record))
        session.flush()
        rows.replace_citations(session, [(record_type, record.id, record.citations)])

    return write


def _remove(model: type, record_type: str | None = None):  # type: ignore[no-untyped-def]
    def remove(session: Session, record_id: str) -> None:
        if record_type:
            _drop_citations(session, record_type, [record_id])
        session.delete(session.get(model, record_id))

    return remove


def _write_signatory(session: Session, s: SignatoryRecord) -> None:
    _write_cited(lambda _s, r: rows.signatory_row(r), "signatory")(session, s)
    _refresh_mentions(session, s.id)


def _refresh_mentions(session: Session, signatory_id: str) -> None:
    """Records whose search text holds the signatory's names are rewritten with the new ones."""
    agreement_ids = session.scalars(
        select(AgreementSignatory.agreement_id)
        .distinct()
        .where(AgreementSignatory.signatory_id == signatory_id)
    )
    for agreement_id in list(agreement_ids):
        record = snapshot.agreement_record(session, agreement_id)
        if record is not None:
            session.merge(rows.agreement_row(record, names_of(session)))
    for visit_id in list(session.scalars(select(Visit.id).where(Visit.guest_id == signatory_id))):
        record = snapshot.visit_record(session, visit_id)
        if record is not None:
            session.merge(rows.visit_row(record, names_of(session)))


def _write_source(session: Session, doc: SourceDocument) -> None:
    session.merge(
        Source(
            id=doc.id,
            title=doc.title,
            kind=doc.kind,
            publisher=doc.publisher,
            language=doc.language,
            url=doc.url,
            published=doc.published,
            notes=doc.notes,
            filename=doc.filename or f"{doc.id}.txt",
            text=doc.text,
            sha256=hashlib.sha256(doc.text.encode()).hexdigest(),
        )
    )


Pointers = Callable[[str], Select[tuple[str]]]
"""A record id -> the ids of the records of one kind that point at it."""


def _blocked_by(*pointers: tuple[str, Pointers]) -> Callable[[Session, str], str | None]:
    """A blocker naming, for each kind of record that points at the record, a few of them."""

    def blocker(session: Session, record_id: str) -> str | None:
        reasons = []
        for description, pointing in pointers:
            stmt = pointing(record_id).distinct()
            ids = list(session.scalars(stmt.order_by(stmt.selected_columns[0]).limit(6)))
            if ids:
                named = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
                reasons.append(f"{description} ({named})")
        return "; ".join(reasons) or None

    return blocker


def _discrepancies(record_type: str) -> tuple[str, Pointers]:
    return (
        "discrepancies point at it",
        lambda i: select(Discrepancy.id).where(
            Discrepancy.record_type == record_type, Discrepancy.record_id == i
        ),
    )


RESOURCES: dict[str, Resource] = {
    r.plural: r
    for r in (
        Resource(
            "agreement",
            "agreements",
            Agreement,
            AgreementRecord,
            snapshot.agreement_record,
            _in_database(checks.check_agreement),
            _write_agreement,
            _remove_agreement,
            _blocked_by(
                (
                    "a relation milestone names it as its document",
                    lambda i: select(RelationEvent.id).where(RelationEvent.agreement_id == i),
                ),
                _discrepancies("agreement"),
                (
                    "discrepancies point at its events",
                    lambda i: select(Discrepancy.id).where(
                        Discrepancy.record_type == "event",
                        Discrepancy.record_id.in_(
                            select(AgreementEvent.id).where(AgreementEvent.agreement_id == i)
                        ),
                    ),
                ),
            ),
        ),
        Resource(
            "visit",
            "visits",
            Visit,
            VisitRecord,
            snapshot.visit_record,
            _in_database(checks.check_visit),
            _write_cited(lambda s, v: rows.visit_row(v, names_of(s)), "visit"),
            _remove(Visit, "visit"),
            _blocked_by(
                (
                    "agreements were signed during it",
                    lambda i: select(Agreement.id).where(Agreement.visit_id == i),
                ),
                _discrepancies("visit"),
            ),
        ),
        Resource(
            "signatory",
            "signatories",
            Signatory,
            SignatoryRecord,
            snapshot.signatory_record,
            _in_database(checks.check_signatory),
            _write_signatory,
            _remove(Signatory, "signatory"),
            _blocked_by(
                (
                    "it signed agreements",
                    lambda i: select(AgreementSignatory.agreement_id).where(
                        AgreementSignatory.signatory_id == i
                    ),
                ),
                (
                    "it is the guest of visits",
                    lambda i: select(Visit.id).where(Visit.guest_id == i),
                ),
                _discrepancies("signatory"),
            ),
        ),
        Resource(
            "sector",
            "sectors",
            Sector,
            SectorRecord,
            snapshot.sector_record,
            _in_database(checks.check_sector),
            lambda s, r: s.merge(rows.sector_row(r)),
            _remove(Sector),
            _blocked_by(
                ("it has sub-sectors", lambda i: select(Sector.id).where(Sector.parent_id == i)),
                (
                    "agreements are filed under it",
                    lambda i: select(AgreementSector.agreement_id).where(
                        AgreementSector.sector_id == i
                    ),
                ),
            ),
        ),
        Resource(
            "source",
            "sources",
            Source,
            SourceDocument,
            snapshot.source_document,
            checks.check_source,
            _write_source,
            _remove(Source),
            _blocked_by(
                (
                    "citations quote it",
                    lambda i: select(Citation.record_type + " " + Citation.record_id).where(
                        Citation.source_id == i
                    ),
                ),
                (
                    "discrepancies quote it",
                    lambda i: select(DiscrepancyReading.discrepancy_id).where(
                        DiscrepancyReading.source_id == i
                    ),
                ),
            ),
        ),
    )
}

"""Each writable kind of record: how to parse, check, read, write and delete it.

Parsing and checking apply the seed files' rules; reading gives the record in the seed
shape (app.seeding.snapshot), which is also what the audit log keeps.
"""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session

from app.curation import checks
from app.models import (
    Agreement,
    AgreementEvent,
    AgreementSector,
    AgreementSignatory,
    Citation,
    DiscrepancyReading,
    RelationEvent,
    Sector,
    Signatory,
    Source,
    Visit,
)
from app.seeding import rows, snapshot
from app.seeding.records import (
    AgreementRecord,
    SectorRecord,
    SignatoryRecord,
    SourceDocument,
    VisitRecord,
)


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
    """Why the record cannot be deleted (other records point at it), or None."""


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


def _check_source(session: Session, doc: SourceDocument) -> list[checks.Problem]:
    """A new text must still contain every quote that cites the source."""
    quotes = [
        *session.scalars(select(Citation.quote).where(Citation.source_id == doc.id)),
        *session.scalars(
            select(DiscrepancyReading.quote).where(DiscrepancyReading.source_id == doc.id)
        ),
    ]
    broken = sum(1 for q in quotes if q not in doc.text)
    return (
        [("text", f"{broken} existing quote(s) of this source are not in the new text")]
        if broken
        else []
    )


def _blocked_if(*conditions: tuple[str, Callable[[str], Any]]):  # type: ignore[no-untyped-def]
    """A blocker from (description, id -> EXISTS clause) pairs."""

    def blocker(session: Session, record_id: str) -> str | None:
        for description, clause in conditions:
            if session.scalar(select(clause(record_id))):
                return description
        return None

    return blocker


RESOURCES: dict[str, Resource] = {
    r.plural: r
    for r in (
        Resource(
            "agreement",
            "agreements",
            Agreement,
            AgreementRecord,
            snapshot.agreement_record,
            checks.check_agreement,
            _write_agreement,
            _remove_agreement,
            _blocked_if(
                (
                    "a relation milestone names it as its document",
                    lambda i: exists().where(RelationEvent.agreement_id == i),
                )
            ),
        ),
        Resource(
            "visit",
            "visits",
            Visit,
            VisitRecord,
            snapshot.visit_record,
            checks.check_visit,
            _write_cited(lambda s, v: rows.visit_row(v, names_of(s)), "visit"),
            _remove(Visit, "visit"),
            _blocked_if(
                (
                    "agreements were signed during it",
                    lambda i: exists().where(Agreement.visit_id == i),
                )
            ),
        ),
        Resource(
            "signatory",
            "signatories",
            Signatory,
            SignatoryRecord,
            snapshot.signatory_record,
            checks.check_signatory,
            _write_signatory,
            _remove(Signatory, "signatory"),
            _blocked_if(
                (
                    "it signed agreements",
                    lambda i: exists().where(AgreementSignatory.signatory_id == i),
                ),
                ("it is the guest of visits", lambda i: exists().where(Visit.guest_id == i)),
            ),
        ),
        Resource(
            "sector",
            "sectors",
            Sector,
            SectorRecord,
            snapshot.sector_record,
            checks.check_sector,
            lambda s, r: s.merge(rows.sector_row(r)),
            _remove(Sector),
            _blocked_if(
                ("it has sub-sectors", lambda i: exists().where(Sector.parent_id == i)),
                (
                    "agreements are filed under it",
                    lambda i: exists().where(AgreementSector.sector_id == i),
                ),
            ),
        ),
        Resource(
            "source",
            "sources",
            Source,
            SourceDocument,
            snapshot.source_document,
            _check_source,
            _write_source,
            _remove(Source),
            _blocked_if(
                ("citations quote it", lambda i: exists().where(Citation.source_id == i)),
                (
                    "discrepancies quote it",
                    lambda i: exists().where(DiscrepancyReading.source_id == i),
                ),
            ),
        ),
    )
}

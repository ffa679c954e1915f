"""Records as they stand in the database, in the seed files' shape.

One shape for what curators send, what the audit log keeps before and after a write, and
what the dump holds: a record read back this way and written again changes nothing.
"""

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import (
    Agreement,
    Citation,
    Discrepancy,
    RelationEvent,
    Sector,
    Signatory,
    Source,
    Visit,
)
from app.records.shapes import (
    COMPUTED_PROVENANCE,
    AgreementRecord,
    DiscrepancyRecord,
    RelationRecord,
    SectorRecord,
    SignatoryRecord,
    SourceDocument,
    VisitRecord,
)


def _citations(session: Session, record_type: str, record_id: str) -> list[dict]:
    rows = session.scalars(
        select(Citation)
        .where(Citation.record_type == record_type, Citation.record_id == record_id)
        .order_by(Citation.position, Citation.id)
    )
    return [{"source": c.source_id, "quote": c.quote, "field": c.field} for c in rows]


def _provenance(row: object) -> dict:
    """The seed's own provenance entries (not those computed from other fields)."""
    return {
        key: value
        for key, value in row.provenance.items()  # type: ignore[attr-defined]
        if not key.startswith(COMPUTED_PROVENANCE)
    }


def _dated(row: object) -> dict:
    return {
        "date": row.date,
        "date_inferred": row.date_inferred,  # type: ignore[attr-defined]
        "date_inferred_reason": row.date_inferred_reason,
    }  # type: ignore[attr-defined]


def agreement_record(session: Session, agreement_id: str) -> AgreementRecord | None:
    row = session.scalars(
        select(Agreement)
        .where(Agreement.id == agreement_id)
        .options(
            selectinload(Agreement.parties),
            selectinload(Agreement.signatories),
            selectinload(Agreement.sectors),
            selectinload(Agreement.events),
            selectinload(Agreement.references),
        )
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        return None
    return AgreementRecord.model_validate(
        {
            "id": row.id,
            "title": row.title,
            "aliases": row.aliases,
            "kind": row.kind,
            **_dated(row),
            "place": row.place,
            "place_country": row.place_country_id,
            "summary": row.summary,
            "status": row.status,
            "visit": row.visit_id,
            "parties": [
                {"country": p.country_id, "inferred_reason": p.inferred_reason} for p in row.parties
            ],
            "signatories": [
                {"signatory": s.signatory_id, "role": s.role, "side": s.side_id}
                for s in row.signatories
            ],
            "sectors": [s.sector_id for s in row.sectors],
            "references": [r.referenced_id for r in row.references],
            "provenance": _provenance(row),
            "events": [
                {
                    "action": e.action,
                    "country": e.country_id,
                    "note": e.note,
                    **_dated(e),
                    "citations": _citations(session, "event", e.id),
                }
                for e in row.events
            ],
            "citations": _citations(session, "agreement", row.id),
        }
    )


def visit_record(session: Session, visit_id: str) -> VisitRecord | None:
    row = session.get(Visit, visit_id, populate_existing=True)
    if row is None:
        return None
    return VisitRecord.model_validate(
        {
            "id": row.id,
            "title": row.title,
            "kind": row.kind,
            "guest": row.guest_id,
            "guest_title": row.guest_title,
            "guest_country": row.guest_country_id,
            "host_country": row.host_country_id,
            "city": row.city,
            **_dated(row),
            "summary": row.summary,
            "provenance": _provenance(row),
            "citations": _citations(session, "visit", row.id),
        }
    )


def signatory_record(session: Session, signatory_id: str) -> SignatoryRecord | None:
    row = session.get(Signatory, signatory_id, populate_existing=True)
    if row is None:
        return None
    return SignatoryRecord.model_validate(
        {
            "id": row.id,
            "name": row.name,
            "kind": row.kind,
            "country": row.country_id,
            "aliases": row.aliases,
            "description": row.description,
            "external_ids": row.external_ids,
            "provenance": _provenance(row),
            "citations": _citations(session, "signatory", row.id),
        }
    )


def sector_record(session: Session, sector_id: str) -> SectorRecord | None:
    row = session.get(Sector, sector_id, populate_existing=True)
    if row is None:
        return None
    return SectorRecord(id=row.id, name=row.name, parent=row.parent_id, description=row.description)


def source_document(session: Session, source_id: str) -> SourceDocument | None:
    row = session.get(Source, source_id, populate_existing=True)
    if row is None:
        return None
    return SourceDocument(
        id=row.id,
        title=row.title,
        kind=row.kind,
        publisher=row.publisher,
        language=row.language,
        url=row.url,
        published=row.published,
        notes=row.notes,
        filename=row.filename,
        text=row.text,
    )


def relation_record(session: Session, relation_id: str) -> RelationRecord | None:
    row = session.get(RelationEvent, relation_id, populate_existing=True)
    if row is None:
        return None
    return RelationRecord.model_validate(
        {
            "id": row.id,
            "kind": row.kind,
            "title": row.title,
            "countries": [row.country_a_id, row.country_b_id],
            **_dated(row),
            "agreement": row.agreement_id,
            "summary": row.summary,
            "citations": _citations(session, "relation", row.id),
        }
    )


def discrepancy_record(session: Session, discrepancy_id: str) -> DiscrepancyRecord | None:
    row = session.scalars(
        select(Discrepancy)
        .where(Discrepancy.id == discrepancy_id)
        .options(selectinload(Discrepancy.readings))
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        return None
    return DiscrepancyRecord.model_validate(
        {
            "id": row.id,
            "record": {"type": row.record_type, "id": row.record_id},
            "field": row.field,
            "description": row.description,
            "readings": [
                {"value": r.value, "source": r.source_id, "quote": r.quote} for r in row.readings
            ],
        }
    )

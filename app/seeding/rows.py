"""ORM rows built from validated records: shared by seeding, the write API and import."""

from collections.abc import Callable, Iterable

from sqlalchemy import delete, tuple_
from sqlalchemy.orm import Session

from app.dates import parse_partial_date
from app.models import (
    Agreement,
    AgreementEvent,
    AgreementParty,
    AgreementSector,
    AgreementSignatory,
    Citation,
    RelationEvent,
    Sector,
    Signatory,
    Visit,
)
from app.seeding.records import (
    AgreementRecord,
    CitationIn,
    Dated,
    RelationRecord,
    SectorRecord,
    SignatoryRecord,
    VisitRecord,
)
from app.text import search_text

NamesOf = Callable[[str], list[str]]
"""A signatory's name and aliases by id (for the search text of records that mention it)."""


def dated(record: Dated) -> dict[str, object]:
    """The date columns of a record: the text, its precision and the interval it covers."""
    if record.date is None:
        return {
            "date": None,
            "date_precision": None,
            "date_start": None,
            "date_end": None,
            "date_inferred": False,
            "date_inferred_reason": None,
        }
    parsed = parse_partial_date(record.date)
    return {
        "date": parsed.text,
        "date_precision": parsed.precision,
        "date_start": parsed.start,
        "date_end": parsed.end,
        "date_inferred": record.date_inferred,
        "date_inferred_reason": record.date_inferred_reason,
    }


def sector_row(s: SectorRecord) -> Sector:
    return Sector(id=s.id, name=s.name, parent_id=s.parent, description=s.description)


def signatory_row(s: SignatoryRecord) -> Signatory:
    return Signatory(
        id=s.id,
        name=s.name,
        kind=s.kind,
        country_id=s.country,
        aliases=s.aliases,
        description=s.description,
        external_ids=s.external_ids,
        search_text=search_text(s.name, *s.aliases, s.description),
    )


def visit_row(v: VisitRecord, names_of: NamesOf) -> Visit:
    return Visit(
        id=v.id,
        title=v.title,
        kind=v.kind,
        guest_id=v.guest,
        guest_title=v.guest_title,
        guest_country_id=v.guest_country,
        host_country_id=v.host_country,
        city=v.city,
        summary=v.summary,
        **dated(v),
        search_text=search_text(
            v.title, v.summary, v.city, v.guest_title, *(names_of(v.guest) if v.guest else ())
        ),
    )


def agreement_row(a: AgreementRecord, names_of: NamesOf) -> Agreement:
    return Agreement(
        id=a.id,
        title=a.title,
        aliases=a.aliases,
        kind=a.kind,
        place=a.place,
        place_country_id=a.place_country,
        summary=a.summary,
        status=a.status,
        visit_id=a.visit,
        **dated(a),
        parties=[
            AgreementParty(country_id=p.country, inferred_reason=p.inferred_reason)
            for p in a.parties
        ],
        signatories=[
            AgreementSignatory(signatory_id=s.signatory, role=s.role, side_id=s.side, position=i)
            for i, s in enumerate(a.signatories)
        ],
        sectors=[AgreementSector(sector_id=s) for s in dict.fromkeys(a.sectors)],
        events=[
            AgreementEvent(
                id=e.event_id(a.id), country_id=e.country, action=e.action, note=e.note, **dated(e)
            )
            for e in a.events
        ],
        search_text=search_text(
            a.title,
            *a.aliases,
            a.summary,
            a.place,
            *(n for s in a.signatories for n in names_of(s.signatory)),
        ),
    )


def relation_row(r: RelationRecord) -> RelationEvent:
    return RelationEvent(
        id=r.id,
        kind=r.kind,
        title=r.title,
        country_a_id=r.countries[0],
        country_b_id=r.countries[1],
        agreement_id=r.agreement,
        summary=r.summary,
        **dated(r),
    )


def agreement_citations(a: AgreementRecord) -> list[tuple[str, str, list[CitationIn]]]:
    """The agreement's own citations and each of its events'."""
    return [
        ("agreement", a.id, a.citations),
        *(("event", e.event_id(a.id), e.citations) for e in a.events),
    ]


def replace_citations(session: Session, cited: Iterable[tuple[str, str, list[CitationIn]]]) -> int:
    """Delete the citations of these records, then insert the given ones, in order."""
    cited = list(cited)
    keys = [(record_type, record_id) for record_type, record_id, _ in cited]
    for chunk in range(0, len(keys), 500):
        session.execute(
            delete(Citation).where(
                tuple_(Citation.record_type, Citation.record_id).in_(keys[chunk : chunk + 500])
            )
        )
    rows = [
        Citation(
            record_type=record_type,
            record_id=record_id,
            position=i,
            field=c.field,
            source_id=c.source,
            quote=c.quote,
        )
        for record_type, record_id, citations in cited
        for i, c in enumerate(citations)
    ]
    session.add_all(rows)
    return len(rows)

"""Citations and discrepancies for any record, loaded in one statement for many records."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Row, and_, bindparam, literal, null, or_, select, union_all
from sqlalchemy.orm import Session, joinedload

from app.db.prepared import Prepared, in_ids
from app.models import (
    Agreement,
    AgreementEvent,
    Body,
    Citation,
    Country,
    Discrepancy,
    DiscrepancyReading,
    RelationEvent,
    Signatory,
    Statement,
    Visit,
)
from app.queries.common import PageResult, SortKey, paginate
from app.schemas.common import CursorParams

_CITATIONS_OF_KIND = Prepared(
    select(*(attribute.expression for attribute in Citation.__mapper__.column_attrs))
    .where(Citation.record_type == bindparam("record_type"), in_ids(Citation.record_id))
    .order_by(Citation.record_id, Citation.position, Citation.id)
)
"""`citations_for`'s statement, compiled once: every detail and the relations run it."""


def citations_for(
    session: Session, record_type: str, record_ids: Sequence[str]
) -> dict[str, list[Any]]:
    """The citations of records of one kind, in their order, by record id: rows with every
    column of a citation (what `CitationOut` and `provenance` read), not mapped objects
    (the relations of a pair show some 60 records' citations; rows load several times
    faster)."""
    return _by_record(session, _CITATIONS_OF_KIND, record_type, record_ids)


def _by_record(
    session: Session, statement: Prepared, record_type: str, record_ids: Sequence[str]
) -> dict[str, list[Any]]:
    by_record: dict[str, list[Any]] = defaultdict(list)
    if not record_ids:
        return by_record
    params = {"record_type": record_type, "ids": sorted(set(record_ids))}
    for row in statement.rows(session, params):
        by_record[row.record_id].append(row)
    return by_record


CITATION_KEYS = (
    Citation.record_type,
    Citation.record_id,
    Citation.field,
    Citation.source_id,
    Citation.quote,
)
"""What a citation's id is made of, and all that a record's `provenance` reads of it."""


_CITATION_KEYS_OF_KIND = Prepared(
    select(*CITATION_KEYS)
    .where(Citation.record_type == bindparam("record_type"), in_ids(Citation.record_id))
    .order_by(Citation.record_id, Citation.position, Citation.id)
)
"""`citation_keys_for`'s statement, compiled once: every list page runs it (building and
compiling it per request cost a fifth of page 1's time at 100k agreements)."""


def citation_keys_for(
    session: Session, record_type: str, record_ids: Sequence[str]
) -> dict[str, list[Any]]:
    """`citations_for` as rows of `CITATION_KEYS` only: what a page of records needs for
    their `provenance`."""
    return _by_record(session, _CITATION_KEYS_OF_KIND, record_type, record_ids)


def citation_keys_of(
    session: Session, records: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], list[Row[Any]]]:
    """The citations of records of any kinds, as rows of `CITATION_KEYS`, by (record type,
    id), in one statement (a page of a timeline mixes kinds)."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for record_type, record_id in records:
        wanted[record_type].add(record_id)
    by_record: dict[tuple[str, str], list[Row[Any]]] = defaultdict(list)
    if not wanted:
        return by_record
    match = or_(
        *(
            and_(Citation.record_type == record_type, Citation.record_id.in_(sorted(ids)))
            for record_type, ids in sorted(wanted.items())
        )
    )
    stmt = (
        select(*CITATION_KEYS)
        .where(match)
        .order_by(Citation.record_id, Citation.position, Citation.id)
    )
    for row in session.execute(stmt):
        by_record[(row.record_type, row.record_id)].append(row)
    return by_record


def discrepancies_for(session: Session, record_type: str, record_id: str) -> list[Discrepancy]:
    return list(
        session.scalars(
            select(Discrepancy)
            .where(Discrepancy.record_type == record_type, Discrepancy.record_id == record_id)
            .options(joinedload(Discrepancy.readings))  # one statement, not two
            .order_by(Discrepancy.id)
        ).unique()
    )


def citations_of_source(session: Session, source_id: str) -> Sequence[Row[Any]]:
    """Every citation quoting the source, whatever record it supports, as rows (id,
    record_type, record_id, field, source_id, quote): a source may be quoted hundreds of
    times, and rows load several times faster than ORM objects."""
    return session.execute(
        select(
            Citation.id,
            Citation.record_type,
            Citation.record_id,
            Citation.field,
            Citation.source_id,
            Citation.quote,
        )
        .where(Citation.source_id == source_id)
        .order_by(Citation.id)
    ).all()


def readings_of_source(
    session: Session, source_id: str
) -> list[tuple[DiscrepancyReading, Discrepancy]]:
    """Every discrepancy reading quoting the source, with its discrepancy."""
    rows = session.execute(
        select(DiscrepancyReading, Discrepancy)
        .join(Discrepancy, Discrepancy.id == DiscrepancyReading.discrepancy_id)
        .where(DiscrepancyReading.source_id == source_id)
        .order_by(Discrepancy.id, DiscrepancyReading.position)
    )
    return [(reading, discrepancy) for reading, discrepancy in rows]


LABELS: dict[str, tuple[Any, ...]] = {
    "agreement": (Agreement, Agreement.title, null(), null()),
    "visit": (Visit, Visit.title, null(), null()),
    "statement": (Statement, Statement.title, null(), null()),
    "signatory": (Signatory, Signatory.name, null(), null()),
    "body": (Body, Body.name, null(), null()),
    "country": (Country, Country.name, null(), null()),
    "relation": (
        RelationEvent,
        RelationEvent.title,
        RelationEvent.country_a_id,
        RelationEvent.country_b_id,
    ),
    "event": (AgreementEvent, AgreementEvent.action, AgreementEvent.agreement_id, null()),
}
"""What names a record a citation may support, and the two columns that place a record with
no page of its own: a milestone's countries, an event's agreement."""


def record_labels(
    session: Session, records: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    """For each (record type, id): its `title` (an event's: its action), and `a` and `b` (see
    `LABELS`), in one statement."""
    wanted: dict[str, set[str]] = defaultdict(set)
    for record_type, record_id in records:
        wanted[record_type].add(record_id)
    parts = []
    for record_type, record_ids in wanted.items():
        model, title, a, b = LABELS[record_type]
        parts.append(
            select(
                literal(record_type).label("type"),
                model.id.label("id"),
                title.label("title"),
                a.label("a"),
                b.label("b"),
            ).where(model.id.in_(sorted(record_ids)))
        )
    if not parts:
        return {}
    rows = session.execute(union_all(*parts)).mappings()
    return {(row["type"], row["id"]): dict(row) for row in rows}


IN_TEXT_ORDER = SortKey.by_column("position", Citation.quote_start, Citation.id)
"""A source's citations in the order their quotes stand in its text (ties: as stored)."""


def source_citations(session: Session, source_id: str, f: CursorParams) -> PageResult:
    """A page of the citations quoting the source, each row a (citation, label of the
    record it supports) pair: the page's labels in one statement, whatever their kinds."""
    stmt = select(Citation).where(Citation.source_id == source_id)
    page = paginate(session, stmt, IN_TEXT_ORDER, limit=f.limit, offset=f.offset, cursor=f.cursor)
    labels = record_labels(session, {(c.record_type, c.record_id) for c in page.rows})
    page.rows = [(c, labels[c.record_type, c.record_id]) for c in page.rows]
    return page

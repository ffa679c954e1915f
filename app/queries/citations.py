"""Citations and discrepancies for any record, loaded in one statement for many records."""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.models import Citation, Discrepancy


def citations_for(
    session: Session, record_type: str, record_ids: Sequence[str]
) -> dict[str, list[Citation]]:
    by_record: dict[str, list[Citation]] = defaultdict(list)
    if not record_ids:
        return by_record
    rows = session.scalars(
        select(Citation)
        .where(Citation.record_type == record_type, Citation.record_id.in_(record_ids))
        .order_by(Citation.record_id, Citation.position, Citation.id)
    )
    for row in rows:
        by_record[row.record_id].append(row)
    return by_record


def discrepancies_for(session: Session, record_type: str, record_id: str) -> list[Discrepancy]:
    return list(
        session.scalars(
            select(Discrepancy)
            .where(Discrepancy.record_type == record_type, Discrepancy.record_id == record_id)
            .options(selectinload(Discrepancy.readings))
            .order_by(Discrepancy.id)
        )
    )

"""The audit log read as a feed: every change after a cursor, oldest first."""

from collections.abc import Iterator

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app.errors import InvalidParameter
from app.kinds.registry import KINDS
from app.models import Change
from app.schemas.changes import ChangeQuery


def iter_changes(session: Session, f: ChangeQuery, batch: int = 1000) -> Iterator[list[Change]]:
    """Every change after `f.since`, oldest first, in keyset batches by id. The record type
    is checked here, before the first batch, so a bad one is a 422 and not an error in the
    middle of a streamed body."""
    writable_type(f.record_type)
    return _batches(session, f, batch)


def _batches(session: Session, f: ChangeQuery, batch: int) -> Iterator[list[Change]]:
    after = f.since
    while rows := list(changes_after(session, after, batch, f.record_type)):
        yield rows
        after = rows[-1].id
        session.expunge_all()


def writable_type(record_type: str | None) -> None:
    """A 422 naming `record_type` unless it is a kind the API writes (or not given)."""
    writable = [kind.name for kind in KINDS.writable]
    if record_type is not None and record_type not in writable:
        raise InvalidParameter(
            f"record_type must be one of {', '.join(writable)}", parameter="record_type"
        )


def changes_since(
    after: int, record_type: str | None = None, record_id: str | None = None
) -> Select[tuple[Change]]:
    """Every change with an id above `after` (of one record type, or one record); a type no
    write can have is a 422 naming `record_type`."""
    writable_type(record_type)
    stmt = select(Change).where(Change.id > after)
    if record_type:
        stmt = stmt.where(Change.record_type == record_type)
    if record_id:
        stmt = stmt.where(Change.record_id == record_id)
    return stmt


def changes_after(
    session: Session,
    after: int,
    limit: int,
    record_type: str | None = None,
    record_id: str | None = None,
) -> Iterator[Change]:
    """Up to `limit` changes with an id above `after`, oldest first, fetched a few at a time,
    so a caller that stops early (a byte budget reached) has not loaded the rest."""
    stmt = changes_since(after, record_type, record_id)
    result = session.scalars(stmt.order_by(Change.id).limit(limit).execution_options(yield_per=20))
    try:
        yield from result
    finally:
        result.close()

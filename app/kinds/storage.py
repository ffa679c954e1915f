"""Storing, reading and deleting one record of any kind, as its declaration says: what seeding
and the write API both do to a record. The caller owns the transaction.

Who may stop a deletion follows from the declarations too (`pointers`): every field marked
`Ref` to the record's kind, citations quoting a source, discrepancies naming a record.
"""

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Select, delete, or_, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.kinds import checks
from app.kinds.declaration import (
    Anchored,
    Children,
    Columns,
    Kind,
    Kinds,
    Record,
    Ref,
    column_of,
    marker,
    nested_shape,
)
from app.kinds.quotes import stored_anchor
from app.kinds.record_to_row import Cited, NamesOf, TextOf, cited, to_row
from app.kinds.registry import KINDS
from app.kinds.row_to_record import to_record
from app.models import Citation, Discrepancy, Source


def read(session: Session, kind: Kind, record_id: str) -> Record | None:
    """The stored record in its kind's shape (what a write takes and the audit log keeps)."""
    return to_record(session, kind, record_id)


def check(
    session: Session, kind: Kind, record: Record, kinds: Kinds = KINDS
) -> list[checks.Problem]:
    """The rules between records, against what the database holds."""
    return checks.check(checks.InDatabase(session, kinds), kind, record)


def exists(session: Session, kind: Kind, record_id: str) -> bool:
    """Whether a record of `kind` holds the id (committed, as this transaction sees it)."""
    model: Any = kind.model
    return session.scalar(select(model.id).where(model.id == record_id)) is not None


def insert(session: Session, kind: Kind, record: Record, kinds: Kinds = KINDS) -> bool:
    """Store a new record with its citations (no record can mention it yet, so no search text
    is rewritten); False, storing nothing, when its id is taken.

    The INSERT claims the id. Checking that the id is free and then writing lets two creates
    on PostgreSQL both pass the check, and the later write, a merge, updated the row the
    other had just inserted: 2 to 4 of 10 concurrent creates of one id were answered 201 in
    6 of 20 rounds. An INSERT of an id another transaction is inserting waits for it, and
    fails once it commits; the savepoint keeps this transaction usable after that failure."""
    try:
        with session.begin_nested():
            session.add(to_row(kind, record, names_of(session, kinds), text_of(session), kinds))
            session.flush()
    except IntegrityError:
        if exists(session, kind, record.id):
            return False
        raise
    replace_citations(session, cited(kind, record, kinds))
    return True


def write(session: Session, kind: Kind, record: Record, kinds: Kinds = KINDS) -> None:
    """Store the record (new or replacing the stored one) with its citations, and rewrite the
    search text of the records that mention it by name."""
    for child_kind, ids in _held_records(session, kind, record.id, kinds):
        _drop_citations(session, child_kind.name, ids)
    session.merge(to_row(kind, record, names_of(session, kinds), text_of(session), kinds))
    session.flush()
    replace_citations(session, cited(kind, record, kinds))
    if kind.name == checks.QUOTED_KIND:
        reanchor_quotes(session, record.id, kinds)
    if kind.names:
        _refresh_mentions(session, kind, record.id, kinds)


def remove(session: Session, kind: Kind, record_id: str, kinds: Kinds = KINDS) -> None:
    """Delete the record, with its citations and those of the records it holds."""
    for child_kind, ids in _held_records(session, kind, record_id, kinds):
        _drop_citations(session, child_kind.name, ids)
    if kind.citable:
        _drop_citations(session, kind.name, [record_id])
    session.delete(session.get(kind.model, record_id))


def names_of(session: Session, kinds: Kinds = KINDS) -> NamesOf:
    """A record's names (its kind's `names` fields), read from the database."""

    def lookup(kind_name: str, record_id: str) -> list[str]:
        kind = kinds[kind_name]
        row = session.get(kind.model, record_id)
        if row is None:
            return []
        names: list[str] = []
        for field in kind.names:
            value = getattr(row, field)
            names += value if isinstance(value, list) else [value]
        return names

    return lookup


def text_of(session: Session) -> TextOf:
    """A source's text, as this transaction sees it (each source read once)."""
    return cache(
        lambda source_id: session.scalars(select(Source.text).where(Source.id == source_id)).one()
    )


def replace_citations(session: Session, records: Iterable[Cited]) -> int:
    """Delete the citations of these records, then insert the given ones, in order, each
    anchored in its source's text (the checker has found every quote there)."""
    records = list(records)
    keys = [(record_type, record_id) for record_type, record_id, _ in records]
    for chunk in range(0, len(keys), 500):
        session.execute(
            delete(Citation).where(
                tuple_(Citation.record_type, Citation.record_id).in_(keys[chunk : chunk + 500])
            )
        )
    texts = _texts(session, {c.source for _, _, citations in records for c in citations})
    rows = [
        Citation(
            record_type=record_type,
            record_id=record_id,
            position=i,
            field=c.field,
            source_id=c.source,
            quote=c.quote,
            **stored_anchor(texts[c.source], c.source, c.quote).columns(),
        )
        for record_type, record_id, citations in records
        for i, c in enumerate(citations)
    ]
    session.add_all(rows)
    return len(rows)


def reanchor_quotes(session: Session, source_id: str, kinds: Kinds = KINDS) -> None:
    """Anchor again every quote of a source whose text was just written, its citations' and
    every `Anchored` one's (the source's rules keep every quote in its new text, but not at
    the same offsets)."""
    text = text_of(session)(source_id)
    quoted = [(Citation, Citation.source_id, Citation.quote), *anchored_quotes(kinds)]
    for model, source, quote in quoted:
        for row in session.scalars(select(model).where(source == source_id)):
            found = stored_anchor(text, source_id, getattr(row, quote.key))
            for column, value in found.columns().items():
                setattr(row, column, value)


def anchored_quotes(kinds: Kinds) -> Iterator[tuple[Any, Any, Any]]:
    """(model, source column, quote column) of each table whose rows hold an `Anchored`
    quote (discrepancy readings)."""
    for kind in kinds:
        if kind.shape is not None:
            yield from _anchored_in(kind.model, kind.shape)


def _anchored_in(model: Any, shape: Any) -> Iterator[tuple[Any, Any, Any]]:
    for name in shape.model_fields:
        anchored = marker(shape, name, Anchored)
        children = marker(shape, name, Children)
        nested = nested_shape(shape, name)
        if anchored is not None:
            source = getattr(model, column_of(shape, anchored.source))
            yield model, source, getattr(model, column_of(shape, name))
        elif children is not None and nested is not None:
            child = model.__mapper__.relationships[children.relationship].mapper.class_
            yield from _anchored_in(child, nested)


def _texts(session: Session, source_ids: set[str]) -> dict[str, str]:
    if not source_ids:
        return {}
    rows = session.execute(select(Source.id, Source.text).where(Source.id.in_(source_ids)))
    return {source_id: text for source_id, text in rows}


def _drop_citations(session: Session, record_type: str, record_ids: list[str]) -> None:
    if record_ids:
        session.execute(
            delete(Citation).where(
                Citation.record_type == record_type, Citation.record_id.in_(record_ids)
            )
        )


def _held_records(
    session: Session, kind: Kind, record_id: str, kinds: Kinds
) -> Iterator[tuple[Kind, list[str]]]:
    """The ids of the citable records the stored record holds (an agreement's events)."""
    for child, ids in _held(kind, record_id, kinds):
        yield child, list(session.scalars(ids))


def _held(kind: Kind, record_id: str, kinds: Kinds) -> Iterator[tuple[Kind, Select[tuple[str]]]]:
    """Each kind of record the record holds (an agreement's events), with their ids."""
    assert kind.shape is not None
    for name in kind.shape.model_fields:
        children = marker(kind.shape, name, Children)
        if children is not None and children.kind is not None:
            child = kinds[children.kind]
            parent = _parent_column(kind.model, children.relationship)
            yield child, select(child.model.id).where(parent == record_id)  # type: ignore[attr-defined]


def _parent_column(model: Any, relationship: str) -> Any:
    """The column of a child table (through the model's `relationship`) that holds its
    parent's id."""
    rel = model.__mapper__.relationships[relationship]
    (column,) = rel.remote_side
    return getattr(rel.mapper.class_, column.key)


# -- who points at a record -------------------------------------------------------------------


@dataclass(frozen=True)
class Pointer:
    """Records of `kind` that name a record of kind `target` in `path`."""

    kind: Kind
    path: tuple[str, ...]
    target: str
    ids: Callable[[str], Select[tuple[str]]]
    """The id of a record of `target` -> the ids of the records pointing at it."""

    @property
    def reason(self) -> str:
        return f"{self.kind.plural} name it in `{'.'.join(self.path)}`"


def pointers(kinds: Kinds) -> list[Pointer]:
    """Every field of every kind that names another record (`Ref`), in registry order."""
    found: list[Pointer] = []
    for kind in kinds:
        if kind.shape is not None and kind.parent is None:
            found += _pointers(kind, kind.model, kind.model.id, kind.shape, ())  # type: ignore[attr-defined]
    return found


def _pointers(
    kind: Kind, model: Any, owner: Any, shape: Any, path: tuple[str, ...]
) -> list[Pointer]:
    """The pointers in `shape`, stored in `model`, whose `owner` column is the id of the
    record of `kind` they belong to."""
    found: list[Pointer] = []
    for name in shape.model_fields:
        if name == "citations":
            continue
        ref = marker(shape, name, Ref)
        children = marker(shape, name, Children)
        spread = marker(shape, name, Columns)
        nested = nested_shape(shape, name)
        here = (*path, name)
        if children is not None:
            child = model.__mapper__.relationships[children.relationship].mapper.class_
            parent = _parent_column(model, children.relationship)
            if children.value is not None and ref is not None:
                column = getattr(child, children.value)
                found.append(_pointer(kind, here, ref.kind, parent, column))
            elif nested is not None:
                found += _pointers(kind, child, parent, nested, here)
        elif ref is not None and spread is not None:
            columns = [getattr(model, c) for c in spread.names]
            found.append(
                Pointer(
                    kind,
                    here,
                    ref.kind,
                    lambda i, o=owner, cs=columns: select(o).where(or_(*(c == i for c in cs))),
                )
            )
        elif ref is not None:
            found.append(
                _pointer(kind, here, ref.kind, owner, getattr(model, column_of(shape, name)))
            )
    return found


def _pointer(kind: Kind, path: tuple[str, ...], target: str, owner: Any, column: Any) -> Pointer:
    return Pointer(kind, path, target, lambda i: select(owner).where(column == i))


def blocker(session: Session, kind: Kind, record_id: str, kinds: Kinds = KINDS) -> str | None:
    """Why the record cannot be deleted: for each field of another record that names it, a
    few of those records; None when nothing points at it."""
    reasons = []
    for reason, stmt in _pointing(kind, record_id, kinds):
        stmt = stmt.distinct()
        ids = list(session.scalars(stmt.order_by(stmt.selected_columns[0]).limit(6)))
        if ids:
            named = ", ".join(ids[:5]) + (", ..." if len(ids) > 5 else "")
            reasons.append(f"{reason} ({named})")
    return "; ".join(reasons) or None


def _pointing(kind: Kind, record_id: str, kinds: Kinds) -> Iterator[tuple[str, Select[Any]]]:
    for pointer in pointers(kinds):
        if pointer.target == kind.name:
            yield pointer.reason, pointer.ids(record_id)
    if kind.name == checks.QUOTED_KIND:
        yield (
            "citations quote it",
            select(Citation.record_type + " " + Citation.record_id).where(
                Citation.source_id == record_id
            ),
        )
    if kind.citable:
        yield (
            "discrepancies point at it",
            select(Discrepancy.id).where(
                Discrepancy.record_type == kind.name, Discrepancy.record_id == record_id
            ),
        )
    for child, held in _held(kind, record_id, kinds):
        yield (
            f"discrepancies point at its {child.plural}",
            select(Discrepancy.id).where(
                Discrepancy.record_type == child.name, Discrepancy.record_id.in_(held)
            ),
        )


def _refresh_mentions(session: Session, kind: Kind, record_id: str, kinds: Kinds) -> None:
    """Records whose search text holds this record's names are written again with the new
    ones (an agreement's signatories, a visit's guest)."""
    for pointer in pointers(kinds):
        if pointer.target != kind.name or ".".join(pointer.path) not in pointer.kind.search:
            continue
        for other_id in list(session.scalars(pointer.ids(record_id).distinct())):
            record = read(session, pointer.kind, other_id)
            if record is not None:
                row = to_row(
                    pointer.kind, record, names_of(session, kinds), text_of(session), kinds
                )
                session.merge(row)

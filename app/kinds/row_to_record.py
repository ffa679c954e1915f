"""Row → record: a record as it stands in the database, in its kind's shape (the seed files'),
read through the same declaration it was stored by (see `app.kinds.record_to_row`).

One shape for what curators send, what the audit log keeps before and after a write, and
what `seeds dump` writes: a record read back this way and written again changes nothing.
"""

from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.kinds.declaration import Children, Columns, Kind, column_of, marker, nested_shape
from app.kinds.provenance import own_provenance
from app.kinds.shapes import DATED_FIELDS, STORED
from app.models import Citation


def to_record(session: Session, kind: Kind, record_id: str) -> Any | None:
    """The record of `kind` stored under `record_id`, or None."""
    assert kind.shape is not None, f"{kind.name} records have no shape"
    shape = kind.shape
    relationships = [
        getattr(kind.model, children.relationship)
        for name in shape.model_fields
        if (children := marker(shape, name, Children)) is not None
    ]
    row = session.scalars(
        select(kind.model)
        .where(kind.model.id == record_id)  # type: ignore[attr-defined]
        .options(*(selectinload(r) for r in relationships))
        .execution_options(populate_existing=True)
    ).first()
    if row is None:
        return None
    return shape.model_validate(_values(session, kind.name, shape, row), context=STORED)


def _values(
    session: Session, record_type: str | None, shape: type[BaseModel], row: Any
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in shape.model_fields:
        children = marker(shape, name, Children)
        spread = marker(shape, name, Columns)
        flat = nested_shape(shape, name)
        if name == "citations":
            assert record_type is not None
            values[name] = citations(session, record_type, row.id)
        elif name == "provenance":
            values[name] = own_provenance(getattr(row, "provenance", None) or {})
        elif name in DATED_FIELDS:
            values[name] = getattr(row, name)
        elif children is not None:
            rows = getattr(row, children.relationship)
            if children.value is not None:
                values[name] = [getattr(child, children.value) for child in rows]
            else:
                assert flat is not None
                values[name] = [_values(session, children.kind, flat, child) for child in rows]
        elif spread is not None:
            values[name] = [getattr(row, column) for column in spread.names]
        elif flat is not None:
            values[name] = _values(session, None, flat, row)
        else:
            values[name] = getattr(row, column_of(shape, name))
    return values


def citations(session: Session, record_type: str, record_id: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(Citation)
        .where(Citation.record_type == record_type, Citation.record_id == record_id)
        .order_by(Citation.position, Citation.id)
    )
    return [{"source": c.source_id, "quote": c.quote, "field": c.field} for c in rows]

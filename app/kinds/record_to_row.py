"""Record → row: the ORM object a record of some kind is stored as, made from its shape's
declaration (see `app.kinds.declaration`), and the citations stored beside it.

Columns the record does not hold are derived here: a partial date's precision and interval,
the `provenance` map (what the record says, plus what follows from its other fields), the
folded search text, and where an `Anchored` quote stands in its source's text.
"""

from collections.abc import Callable
from typing import Any

from pydantic import BaseModel

from app.dates import parse_partial_date
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
from app.kinds.provenance import stored_provenance
from app.kinds.quotes import stored_anchor
from app.kinds.shapes import DATED_FIELDS, CitationIn, Dated
from app.text import search_text

NamesOf = Callable[[str, str], list[str]]
"""The names of a record, by kind and id (what a record mentioning it is found by)."""
TextOf = Callable[[str], str]
"""The text of a source, by id (where the quotes of a record being written stand)."""
Cited = tuple[str, str, list[CitationIn]]
"""(record type, record id, citations)."""
NOT_COLUMNS = ("citations", "provenance", *DATED_FIELDS)
"""Fields stored elsewhere, or derived into other columns."""


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


def to_row(kind: Kind, record: Record, names_of: NamesOf, text_of: TextOf, kinds: Kinds) -> Any:
    """The row of `record`, its child rows attached."""
    return kind.model(**_columns(kind, kind.model, record, names_of, text_of, kinds))


def _columns(
    kind: Kind | None,
    model: Any,
    record: BaseModel,
    names_of: NamesOf,
    text_of: TextOf,
    kinds: Kinds,
    parent_id: str | None = None,
) -> dict[str, Any]:
    shape = type(record)
    values: dict[str, Any] = {}
    for name in shape.model_fields:
        if name in NOT_COLUMNS:
            continue
        value = getattr(record, name)
        children = marker(shape, name, Children)
        spread = marker(shape, name, Columns)
        flat = nested_shape(shape, name)
        if children is not None:
            values[children.relationship] = _child_rows(
                kind, model, record, name, children, names_of, text_of, kinds
            )
        elif spread is not None:
            values.update(zip(spread.names, value, strict=True))
        elif flat is not None:
            values.update(_columns(None, model, value, names_of, text_of, kinds))
        else:
            values[column_of(shape, name)] = value
        if (anchored := marker(shape, name, Anchored)) is not None:
            source = getattr(record, anchored.source)
            values |= stored_anchor(text_of(source), source, value).columns()
    if isinstance(record, Dated):
        values |= dated(record)
    if kind is None:
        return values
    if kind.record_id is not None and parent_id is not None:
        values["id"] = kind.record_id(record, parent_id)
    if hasattr(model, "provenance"):
        computed = kind.computed_provenance(record) if kind.computed_provenance else None
        values["provenance"] = stored_provenance(
            record, getattr(record, "external_ids", None) or {}, computed
        )
    if kind.search:
        values["search_text"] = search_text(*search_parts(kind, record, names_of))
    if kind.derived_columns is not None:
        values |= kind.derived_columns(record)
    return values


def _child_rows(
    kind: Kind | None,
    model: Any,
    record: BaseModel,
    name: str,
    children: Children,
    names_of: NamesOf,
    text_of: TextOf,
    kinds: Kinds,
) -> list[Any]:
    child_model = model.__mapper__.relationships[children.relationship].mapper.class_
    items = getattr(record, name)
    if children.value is not None:
        values = items if children.position else list(dict.fromkeys(items))
        rows = [{children.value: value} for value in values]
    else:
        child_kind = kinds[children.kind] if children.kind else None
        parent_id = getattr(record, "id", None)
        rows = [
            _columns(child_kind, child_model, item, names_of, text_of, kinds, parent_id)
            for item in items
        ]
    if children.position is not None:
        rows = [{**row, children.position: i} for i, row in enumerate(rows)]
    return [child_model(**row) for row in rows]


def search_parts(kind: Kind, record: BaseModel, names_of: NamesOf) -> list[str | None]:
    """The texts `kind.search` names, in order: a field's value (each item of a list), or
    for a field that refers to another record, that record's names."""
    parts: list[str | None] = []
    for path in kind.search:
        parts += _texts(type(record), [record], path.split("."), names_of)
    return parts


def _texts(
    shape: type[BaseModel], values: list[Any], path: list[str], names_of: NamesOf
) -> list[str | None]:
    name, rest = path[0], path[1:]
    found: list[Any] = []
    for value in values:
        item = getattr(value, name)
        found += item if isinstance(item, list) else [item]
    if rest:
        nested = nested_shape(shape, name)
        assert nested is not None, f"{name} holds no records"
        return _texts(nested, found, rest, names_of)
    ref = marker(shape, name, Ref)
    if ref is not None:
        return [text for value in found if value for text in names_of(ref.kind, value)]
    return found


def cited(kind: Kind, record: Record, kinds: Kinds) -> list[Cited]:
    """The record's citations, and those of the records it holds (an agreement's events)."""
    shape = type(record)
    out: list[Cited] = []
    if "citations" in shape.model_fields:
        out.append((kind.name, record.id, record.citations))
    for name in shape.model_fields:
        children = marker(shape, name, Children)
        if children is None or children.kind is None:
            continue
        child = kinds[children.kind]
        assert child.record_id is not None, f"{child.name} records have no id of their own"
        out += [
            (child.name, child.record_id(item, record.id), item.citations)
            for item in getattr(record, name)
        ]
    return out

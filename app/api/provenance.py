"""Each record the API answers says how each of its facts is known: its `provenance`, made
by `app.kinds.facts` from the record's stored entries and citation rows, keyed by the JSON
keys of the schema it is shown as."""

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.api.responses import plain
from app.kinds.facts import provenance_fields, provenance_of
from app.kinds.registry import KINDS
from app.queries.citations import citation_keys_for, citation_keys_of
from app.schemas.agreements import AgreementOut, agreement_json
from app.schemas.common import ProvenancedOut

Item = dict[str, Any]


def told(
    schema: type[BaseModel],
    item: Item,
    stored: Mapping[str, Any] | None,
    citations: Iterable[Any],
    kind: str | None = None,
) -> Item:
    """`item`, a record of `kind` (by default the schema's `record_kind`) shown as `schema`,
    with its `provenance` filled in."""
    record_kind = KINDS[kind or schema.record_kind]  # type: ignore[attr-defined]
    item["provenance"] = provenance_of(record_kind, schema, item, stored, citations)
    return item


def agreement_item(row: Any, links: Any, include: Iterable[str] = ()) -> Item:
    """A row of the agreements list (as `app.schemas.agreements.agreement_json` makes it),
    with its provenance: what the list, its NDJSON, a visit and a relation show."""
    item = agreement_json(row, links, tuple(include))
    return told(AgreementOut, item, row.provenance, links.cited.get(row.id, ()))


def record_schemas() -> dict[str, type[ProvenancedOut]]:
    """Every schema of a record that says how its facts are known, by its name."""
    found: dict[str, type[ProvenancedOut]] = {}
    todo: list[type[BaseModel]] = [ProvenancedOut]
    while todo:
        schema = todo.pop()
        todo += schema.__subclasses__()
        if schema is not ProvenancedOut:
            found[schema.__name__] = schema  # type: ignore[assignment]
    return found


def spec_fields(schema: type[ProvenancedOut]) -> list[str]:
    """The schema's `x-provenance-fields`."""
    return provenance_fields(KINDS[schema.record_kind], schema)


def records_of(
    schema: type[ProvenancedOut], make: Callable[[Any], Any]
) -> Callable[[Session, list[Any]], list[Item]]:
    """The `items` of a list of records shown as `schema`, each row made by `make` (a model
    or plain data) and told how its facts are known: the page's citations are read in one
    statement, whatever its size."""
    kind = KINDS[schema.record_kind]

    def items(session: Session, rows: list[Any]) -> list[Item]:
        cited = citation_keys_for(session, kind.name, [row.id for row in rows])
        return [
            told(schema, plain(make(row)), row.provenance, cited.get(row.id, ())) for row in rows
        ]

    return items


def entries_of(
    schema: type[BaseModel], make: Callable[[Any], Any]
) -> Callable[[Session, list[Any]], list[Item]]:
    """The `items` of a list whose rows stand for records of several kinds (a timeline,
    search hits): each a mapping with the record's `kind`, `id` and stored `provenance`,
    made by `make` and told how the facts it shows are known, the citations of the lot read
    in one statement."""

    def items(session: Session, rows: list[Any]) -> list[Item]:
        cited = citation_keys_of(session, [(row["kind"], row["id"]) for row in rows])
        return [
            told(
                schema,
                plain(make(row)),
                row["provenance"],
                cited.get((row["kind"], row["id"]), ()),
                kind=row["kind"],
            )
            for row in rows
        ]

    return items

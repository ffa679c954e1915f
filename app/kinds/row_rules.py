"""The rules each row of a dump follows, table by table: `import` checks every row against
its table's model here before loading it.

A dump carries rows, not records (an agreement's parties are rows of `agreement_parties`), so
each kind's row models are made from its declaration: a column holds what the shape's field
stored in it holds (the same value rules, `app.kinds.fields`), a child table's columns what
its items' fields hold. Columns derived at write time are checked against what they derive
from (`Row.derived_problems`): a row's date interval against its date, a source's SHA-256
against its text, an event's id against its parts. The tables that are no kind's (keys, the
audit log, citations, seeding's state) have their models written out below; a `seed_state`
row's record must be a record of its kind's shape, and its SHA-256 that record's.
"""

import hashlib
import json
from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
)
from sqlalchemy import Table

from app.dates import parse_partial_date
from app.kinds.checks import dotted
from app.kinds.declaration import (
    Anchored,
    Children,
    Columns,
    Kind,
    Kinds,
    column_of,
    item_type,
    marker,
    nested_shape,
)
from app.kinds.fields import DateText, Line, Prose, Quote, RecordId, RecordKey, Sha256
from app.kinds.shapes import (
    COMPUTED_PROVENANCE,
    DATED_FIELDS,
    STORED,
    Dated,
    Provenances,
    provenance_key_problem,
)
from app.vocabulary import Scope

Position = Field(ge=0)
DERIVED_DATE_COLUMNS = ("date_precision", "date_start", "date_end")


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid")
    problems_of: ClassVar[Any] = None
    """The kind's `row_problems`, if any."""
    shape: ClassVar[type[BaseModel] | None] = None
    """The shape of the kind whose records the rows hold, if any."""

    def derived_problems(self) -> list[tuple[str, str]]:
        """(column, message) for each column that does not follow from the ones it is
        derived from (checked once every field is valid)."""
        found: list[tuple[str, str]] = []
        fields = type(self).model_fields
        if "date" in fields and "date_start" in fields:
            found += _date_problems(self)
        if "provenance" in fields and type(self).shape is not None:
            found += _provenance_problems(self, type(self).shape)
        if type(self).problems_of is not None:
            found += type(self).problems_of(self.model_dump())
        return found


def _provenance_problems(row: Any, shape: type[BaseModel]) -> list[tuple[str, str]]:
    """Each stored provenance entry names a field or alias of the record, or is one the
    writer derives (a date, a party, an external id)."""
    aliases = getattr(row, "aliases", [])
    found = []
    for key in row.provenance:
        problem = None
        if not key.startswith(COMPUTED_PROVENANCE):
            problem = provenance_key_problem(shape, key, aliases)
        if problem:
            found.append((f"provenance.{key}", problem))
    return found


def _date_problems(row: Any) -> list[tuple[str, str]]:
    if row.date is None:
        derived: tuple[Any, ...] = (None, None, None)
    else:
        parsed = parse_partial_date(row.date)
        derived = (parsed.precision, parsed.start, parsed.end)
    return [
        (column, f"{stored!r} does not follow from date {row.date!r} ({value!r})")
        for column, stored, value in zip(
            DERIVED_DATE_COLUMNS,
            (row.date_precision, row.date_start, row.date_end),
            derived,
            strict=True,
        )
        if stored != value
    ]


DATE_COLUMN_RULES: dict[str, Any] = {
    "date": DateText | None,
    "date_precision": Literal["year", "month", "day"] | None,
    "date_inferred": bool,
    "date_inferred_reason": Prose | None,
    "date_start": date | None,
    "date_end": date | None,
}
DERIVED_COLUMN_RULES: dict[str, Any] = {"provenance": Provenances, "search_text": Prose}


MAX_JSON_DEPTH = 32
"""How deep a column of free-form JSON (an audit entry's records, seeding's state) may nest.
The records they hold nest at most 5 levels (an agreement's events' citations); the API's
JSON encoder refuses more than 255 (an audit entry imported 900 deep made `/changes` a 500)."""


def _items(value: Any) -> Iterable[Any]:
    return value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()


def _not_too_deep(value: Any) -> Any:
    """Walked a level at a time, not recursively."""
    level, depth = [value], 1
    while level := [item for outer in level for item in _items(outer) if _items(item)]:
        depth += 1
        if depth > MAX_JSON_DEPTH:
            raise ValueError(f"nests more than {MAX_JSON_DEPTH} levels deep")
    return value


FreeJson = Annotated[dict[str, Any], AfterValidator(_not_too_deep)]
"""A JSON object of any shape, but not nested more than MAX_JSON_DEPTH levels deep."""


class ApiKeyRow(Row):
    id: int
    name: Line(100)
    scope: Scope
    key_hash: Sha256
    prefix: Line(12)
    created_at: datetime
    revoked_at: datetime | None


class ChangeRow(Row):
    id: int = Field(ge=1)
    at: datetime
    actor: Line(100)
    action: Literal["create", "update", "delete"]
    record_type: Line(20)
    record_id: Line(200)
    before: FreeJson | None
    after: FreeJson | None


class AnchorRow(Row):
    """The anchor columns of a quote (checked against its source's text on import)."""

    quote_start: int = Position
    quote_end: int = Position
    quote_prefix: Prose
    quote_suffix: Prose


ANCHOR_COLUMN_RULES: dict[str, Any] = {
    name: (info.annotation, info) for name, info in AnchorRow.model_fields.items()
}


class CitationRow(AnchorRow):
    id: int
    record_type: Line(20)
    record_id: RecordKey
    position: int = Position
    field: Line(60) | None
    source_id: RecordId
    quote: Quote


class SeedStateRow(Row):
    record_type: Line(20)
    record_id: Line(200)
    sha256: Sha256
    record: FreeJson


def canonical_hash(record: dict[str, Any]) -> str:
    """SHA-256 of the record's canonical JSON (sorted keys, no spaces, UTF-8): a `seed_state`
    row's `sha256`, of its `record`."""
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _seed_state_rows(kinds: Kinds) -> type[Row]:
    """A `seed_state` row is what seeding last wrote of a record (`app.seeding.plan`): its
    `record` a record of its kind, with its id, and its `sha256` that record's hash. An
    edited row made the next `seed` see a change nobody made, and report a conflict."""

    def problems(row: dict[str, Any]) -> list[tuple[str, str]]:
        shapes = {kind.name: kind.shape for kind in kinds.writable}
        shape = shapes.get(row["record_type"])
        if shape is None:
            return [("record_type", f"not a kind of record seeding syncs: {row['record_type']!r}")]
        try:
            record = shape.model_validate(row["record"], context=STORED)
        except ValidationError as exc:
            return [
                (dotted(("record", *e["loc"])), e["msg"].removeprefix("Value error, "))
                for e in exc.errors()
            ]
        found = []
        if record.id != row["record_id"]:
            found.append(("record.id", f"is not the row's record_id {row['record_id']!r}"))
        if row["sha256"] != canonical_hash(row["record"]):
            found.append(("sha256", "is not the SHA-256 of its record's canonical JSON"))
        return found

    model = create_model("SeedStateRow", __base__=SeedStateRow)
    model.problems_of = problems
    return model


SYSTEM_ROWS: dict[str, type[Row]] = {
    "api_keys": ApiKeyRow,
    "changes": ChangeRow,
    "citations": CitationRow,
}


def row_models(kinds: Kinds) -> dict[str, type[Row]]:
    """Each table's row model: the kinds' (made from their declarations) and the others'."""
    models = {**SYSTEM_ROWS, "seed_state": _seed_state_rows(kinds)}
    for kind in kinds:
        if kind.parent is None:
            models |= _kind_rows(kind, kinds)
    return models


def _kind_rows(kind: Kind, kinds: Kinds) -> dict[str, type[Row]]:
    """The row models of the kind's table and its child tables."""
    table: Table = kind.model.__table__  # type: ignore[attr-defined]
    rules = {**_shape_rules(kind.shape), **kind.row_rules} if kind.shape else dict(kind.row_rules)
    models = {table.name: _row_model(table, rules, kind)}
    if kind.shape is None:
        return models
    for name in kind.shape.model_fields:
        children = marker(kind.shape, name, Children)
        if children is None:
            continue
        relationship = kind.model.__mapper__.relationships[children.relationship]  # type: ignore[attr-defined]
        child_table: Table = relationship.mapper.local_table
        (parent_column,) = relationship.remote_side
        parent = parent_column.name
        child_rules: dict[str, Any] = {parent: kind.shape.model_fields["id"].rebuild_annotation()}
        child_kind = kinds[children.kind] if children.kind else None
        nested = nested_shape(kind.shape, name)
        if children.value is not None:
            child_rules[children.value] = item_type(kind.shape, name)
        elif nested is not None:
            child_rules |= _shape_rules(nested)
        if children.position is not None:
            child_rules[children.position] = (int, Position)
        if child_kind is not None:
            child_rules |= {"id": RecordKey, **child_kind.row_rules}
        models[child_table.name] = _row_model(child_table, child_rules, child_kind)
    return models


def _shape_rules(shape: type[BaseModel]) -> dict[str, Any]:
    """Column -> the annotation of the field stored in it."""
    rules: dict[str, Any] = {}
    for name, info in shape.model_fields.items():
        if name in ("citations", *DATED_FIELDS) or marker(shape, name, Children):
            continue
        spread = marker(shape, name, Columns)
        flat = nested_shape(shape, name)
        if spread is not None:
            rules |= dict.fromkeys(spread.names, item_type(shape, name))
        elif flat is not None:
            rules |= _shape_rules(flat)
        else:
            rules[column_of(shape, name)] = info.rebuild_annotation()
        if marker(shape, name, Anchored):
            rules |= ANCHOR_COLUMN_RULES
    if issubclass(shape, Dated):
        rules |= DATE_COLUMN_RULES
    return rules


def _row_model(table: Table, rules: dict[str, Any], kind: Kind | None) -> type[Row]:
    rules = {**DERIVED_COLUMN_RULES, **rules}
    missing = [c.name for c in table.columns if c.name not in rules]
    if missing:
        raise TypeError(f"no rule for the columns {missing} of {table.name}")
    fields = {
        c.name: rules[c.name] if isinstance(rules[c.name], tuple) else (rules[c.name], ...)
        for c in table.columns
    }
    model = create_model(  # type: ignore[call-overload]
        f"{_camel(table.name)}Row", __base__=Row, **fields
    )
    model.problems_of = kind.row_problems if kind else None
    model.shape = kind.shape if kind else None
    return model  # type: ignore[no-any-return]


def _camel(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))

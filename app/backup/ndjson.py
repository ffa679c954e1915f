"""Dump and restore the whole database as versioned NDJSON, table by table.

The dump is one JSON object per line:

- a header: `{"format": "treaty-api-dump", "version": 1, "schema_revision": ...,
  "exported_at": ..., "tables": [{"name": ..., "columns": [...]}, ...]}`;
- every row of every table, tables in foreign-key order and rows in primary-key order:
  `{"table": "sources", "row": {"id": ..., ...}}` (dates and datetimes as ISO 8601 strings,
  datetimes in UTC; JSON columns as JSON);
- a trailer: `{"end": {"rows": {"sources": 12, ...}}}`, so a truncated dump is refused.

A dump holds raw rows, not API records, so a restored database answers byte for byte as the
original did. Export reads in one snapshot with flat memory; import loads an empty database
migrated to the same revision, in one transaction: all of it or nothing.

Import trusts nothing it reads: every row must follow its table's rules (`app.kinds.row_rules`:
slug ids, vocabularies, real dates, no control characters, a source's text matching its
SHA-256, seeding's state matching its record), every quote must be verbatim in its source,
every reference must resolve and no tree may hold a cycle (`app.kinds.checks`, the checker
seeding runs). A dump that breaks a rule is refused with the line, table, record and field
named, and nothing is written.

API keys are secrets: `export` leaves the `api_keys` table out unless asked
(`include_keys`), and `import` loads key rows only when asked, so a row added to a dump
never becomes a working key.
"""

import json
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import IO, Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import ValidationError
from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Engine,
    Select,
    Table,
    TypeDecorator,
    exists,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.schema import sort_tables

from app.db import Base
from app.db.migrate import alembic_config
from app.kinds import checks
from app.kinds.declaration import Kind, Kinds, column_of, is_tree
from app.kinds.discrepancy import unquoted_reading
from app.kinds.quotes import COLUMNS as ANCHOR_COLUMNS
from app.kinds.registry import KINDS
from app.kinds.row_rules import Row, row_models

FORMAT = "treaty-api-dump"
VERSION = 1
BATCH = 2000
KEYS_TABLE = "api_keys"
FEED_TABLE = "feed_position"
MAX_PROBLEMS = 20


class DumpError(Exception):
    """A dump cannot be written or loaded as asked; nothing was changed."""


POINTERS: dict[str, tuple[str, str]] = {
    "citations": ("record_type", "record_id"),
    "discrepancies": ("record_type", "record_id"),
}
"""Tables whose rows point at a record of any citable kind: (type column, id column)."""


def tables(kinds: Kinds = KINDS) -> list[Table]:
    """Every table a dump can hold, parents before children: the models' and those of the
    kinds declared beside them (`alembic_version` is not a model; `feed_position` follows
    from `changes` and is set by import)."""
    every = {*Base.metadata.tables.values(), *(_kind_tables(kinds))}
    return [
        t
        for t in sort_tables(sorted(every, key=lambda t: t.name))
        if t.name not in ("alembic_version", FEED_TABLE)
    ]


def _kind_tables(kinds: Kinds) -> list[Table]:
    found = []
    for kind in kinds:
        mapper = kind.model.__mapper__  # type: ignore[attr-defined]
        found += [mapper.local_table, *(r.mapper.local_table for r in mapper.relationships)]
    return found


def dumped_tables(include_keys: bool, kinds: Kinds = KINDS) -> list[Table]:
    """The tables a dump holds: all of them, API keys only when asked."""
    return [t for t in tables(kinds) if include_keys or t.name != KEYS_TABLE]


def layout(include_keys: bool = True, kinds: Kinds = KINDS) -> list[dict[str, Any]]:
    """The header's description of the tables: names and columns, in dump order."""
    return [
        {"name": t.name, "columns": [c.name for c in t.columns]}
        for t in dumped_tables(include_keys, kinds)
    ]


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def database_revision(conn: Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        # SQLite hands back the naive UTC datetimes it was given; PostgreSQL aware ones.
        zoned = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
        return zoned.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot dump {type(value).__name__}")


def _line(obj: object) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), default=_json_default)


def _check_revision(conn: Connection, what: str) -> str:
    revision, head = database_revision(conn), head_revision()
    if revision != head:
        raise DumpError(
            f"{what} is at schema revision {revision or 'none'}, not {head}: "
            "run `treaty-api db upgrade` first"
        )
    assert revision is not None
    return revision


def export_database(
    engine: Engine,
    fileobj: IO[bytes],
    *,
    include_keys: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
    kinds: Kinds = KINDS,
) -> dict[str, int]:
    """Write every table's rows to `fileobj` (binary); returns the row count per table.
    `progress(rows written, None)` is called after each batch.

    The `api_keys` table (names, scopes, key hashes) is left out unless `include_keys`."""
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # One snapshot for every table, so the dump is consistent under writes.
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            header = {
                "format": FORMAT,
                "version": VERSION,
                "schema_revision": _check_revision(conn, "the database"),
                "exported_at": datetime.now(UTC).isoformat(),
                "tables": layout(include_keys, kinds),
            }
            fileobj.write((_line(header) + "\n").encode())
            for table in dumped_tables(include_keys, kinds):
                counts[table.name] = 0
                prefix = '{"table":' + json.dumps(table.name) + ',"row":'
                stmt = select(table).order_by(*table.primary_key.columns)
                result = conn.execution_options(yield_per=BATCH).execute(stmt)
                for rows in result.partitions():
                    chunk = "".join(prefix + _line(row._asdict()) + "}\n" for row in rows)
                    fileobj.write(chunk.encode())
                    counts[table.name] += len(rows)
                    if progress:
                        progress(sum(counts.values()), None)
            fileobj.write((_line({"end": {"rows": counts}}) + "\n").encode())
    fileobj.flush()
    return counts


def _converters(table: Table) -> list[tuple[str, Callable[[Any], Any]]]:
    """Per column that JSON cannot carry as is, the function that reads it back."""
    out: list[tuple[str, Callable[[Any], Any]]] = []
    for column in table.columns:
        kind = column.type
        if isinstance(kind, TypeDecorator):  # e.g. UTCDateTime: convert to what it wraps
            kind = kind.impl_instance
        if isinstance(kind, DateTime):
            out.append((column.name, datetime.fromisoformat))
        elif isinstance(kind, Date):
            out.append((column.name, date.fromisoformat))
    return out


def _self_references(table: Table) -> list[tuple[str, str]]:
    """(column, referenced column) of the table's foreign keys to itself."""
    return [
        (fk.parent.name, fk.column.name) for fk in table.foreign_keys if fk.column.table is table
    ]


def _lines(fileobj: IO[bytes]) -> Iterator[tuple[int, Any]]:
    for number, raw in enumerate(fileobj, start=1):
        if not raw.strip():
            continue
        try:
            yield number, json.loads(raw)
        except ValueError as exc:
            raise DumpError(f"line {number}: not JSON ({exc})") from None
        except RecursionError:
            raise DumpError(f"line {number}: a JSON value nested too deeply") from None


def _read_header(lines: Iterator[tuple[int, Any]], kinds: Kinds) -> dict[str, Any]:
    first = next(lines, None)
    if first is None:
        raise DumpError("the dump is empty")
    header = first[1]
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise DumpError(f"not a {FORMAT} file (no header on the first line)")
    if header.get("version") != VERSION:
        raise DumpError(
            f"dump format version {header.get('version')!r} is not supported "
            f"(this treaty-api reads version {VERSION})"
        )
    if header.get("tables") not in (layout(True, kinds), layout(False, kinds)):
        raise DumpError("the dump's tables and columns do not match this schema")
    return header


def _ensure_empty(conn: Connection, kinds: Kinds) -> None:
    filled = [
        t.name
        for t in tables(kinds)
        if conn.execute(select(literal(1)).select_from(t).limit(1)).first() is not None
    ]
    if filled:
        raise DumpError(
            "the target database is not empty (rows in " + ", ".join(filled) + "): "
            "import only loads an empty, freshly migrated database"
        )


@dataclass
class _Problems:
    """What is wrong with the dump, each named by line, table, record and field."""

    found: list[str] = field(default_factory=list)

    def add(self, line: int | None, table: str, record: str, where: str, message: str) -> None:
        shown = json.dumps(record, ensure_ascii=False)[1:-1]  # control characters escaped
        self.found.append(
            f"line {line if line is not None else '-'}: table {table}, record {shown}, "
            f"field {where}: {message}"
        )
        if len(self.found) >= MAX_PROBLEMS:
            self.raise_if_any()

    def raise_if_any(self) -> None:
        if self.found:
            raise DumpError(
                f"the dump breaks {len(self.found)} rule(s)"
                f"{' (the first ones)' if len(self.found) >= MAX_PROBLEMS else ''}; "
                "nothing was imported:\n  " + "\n  ".join(self.found)
            )


class _LineIndex:
    """The line of each row of a table, for problems found after the table is loaded.

    Rows come in primary-key order; integer keys are kept in flat arrays (16 bytes a row)."""

    def __init__(self) -> None:
        self.int_keys: array[int] = array("q")
        self.int_lines: array[int] = array("q")
        self.other: dict[Any, int] = {}

    def add(self, key: Any, line: int) -> None:
        if isinstance(key, int) and (not self.int_keys or key > self.int_keys[-1]):
            self.int_keys.append(key)
            self.int_lines.append(line)
        else:
            self.other[key] = line

    def line(self, key: Any) -> int | None:
        if isinstance(key, int):
            at = bisect_left(self.int_keys, key)
            if at < len(self.int_keys) and self.int_keys[at] == key:
                return self.int_lines[at]
        return self.other.get(key)


@dataclass
class _Import:
    """What one import has learnt so far: the sources' texts, the problems, the lines."""

    conn: Connection
    include_keys: bool
    kinds: Kinds
    rules: dict[str, type[Row]]
    """Each table's row model (`app.kinds.row_rules`)."""
    problems: _Problems = field(default_factory=_Problems)
    texts: dict[str, str] = field(default_factory=dict)
    lines: dict[str, _LineIndex] = field(default_factory=dict)
    skipped_keys: int = 0


def _key_of(table: Table, row: dict[str, Any]) -> Any:
    values = [row.get(c.name) for c in table.primary_key.columns]
    return values[0] if len(values) == 1 else tuple(values)


def _name(key: Any) -> str:
    return "/".join(map(str, key)) if isinstance(key, tuple) else str(key)


@dataclass
class _Tree:
    """A tree kind's rows as they are read (each id's parent and line), checked once all are
    loaded by the checker seeding runs on the seed files (`Checker.acyclic`)."""

    kind: Kind
    column: str
    """The column holding the parent's id."""
    parents: dict[str, str | None] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, table: Table, kinds: Kinds) -> "_Tree | None":
        """The tree stored in `table`, if a tree kind's records are."""
        for kind in kinds:
            if is_tree(kind) and kind.table == table.name:
                return cls(kind, column_of(kind.shape, "parent"))  # type: ignore[arg-type]
        return None

    def add(self, number: int, row: dict[str, Any]) -> None:
        self.parents[row["id"]] = row[self.column]
        self.lines[row["id"]] = number

    def check(self, problems: _Problems, kinds: Kinds) -> None:
        """No record's parents lead back to it."""
        name = self.kind.name
        known = checks.InMemory(
            ids={name: set(self.parents)}, texts={}, parents={name: self.parents}, kinds=kinds
        )
        for record_id, parent in self.parents.items():
            checker = checks.Checker(known)
            checker.acyclic(self.kind, record_id, parent, (self.column,))
            for loc, message in checker.problems:
                where = checks.dotted(loc)
                problems.add(self.lines[record_id], self.kind.table, record_id, where, message)


class _Loader:
    """Checks and inserts one table's rows in batches, deferring self-references not yet
    loaded."""

    def __init__(self, state: _Import, table: Table) -> None:
        self.state = state
        self.conn = state.conn
        self.table = table
        self.rules = state.rules[table.name]
        self.columns = frozenset(c.name for c in table.columns)
        self.converters = _converters(table)
        self.self_refs = _self_references(table)
        self.foreign_keys = [fk for fk in table.foreign_keys if fk.column.table is not table]
        self.loaded: set[Any] = set()
        self.deferred: list[tuple[int, Any, str, Any]] = []
        self.tree = _Tree.of(table, state.kinds)
        self.batch: list[dict[str, Any]] = []
        self.batch_lines: list[int] = []
        self.count = 0
        if table.name in POINTERS:
            state.lines[table.name] = _LineIndex()

    def add(self, number: int, row: Any) -> None:
        if not isinstance(row, dict) or row.keys() != self.columns:
            raise DumpError(f"line {number}: a {self.table.name} row must have exactly its columns")
        self.count += 1
        if self.table.name == KEYS_TABLE and not self.state.include_keys:
            self.state.skipped_keys += 1
            return
        if not self._follows_the_rules(number, row):
            return
        try:
            for name, convert in self.converters:
                if row[name] is not None:
                    row[name] = convert(row[name])
        except (TypeError, ValueError) as exc:
            raise DumpError(f"line {number}: {exc}") from None
        if self.tree is not None:
            self.tree.add(number, row)
        for column, referenced in self.self_refs:
            target = row[column]
            if target is not None and target not in self.loaded:
                # Its parent comes later: insert without the link, set it at the end.
                self.deferred.append((number, row[referenced], column, target))
                row = {**row, column: None}
        for _, referenced in self.self_refs:
            self.loaded.add(row[referenced])
        if self.table.name in POINTERS:
            self.state.lines[self.table.name].add(_key_of(self.table, row), number)
        self.batch.append(row)
        self.batch_lines.append(number)
        if len(self.batch) >= BATCH:
            self.flush()

    def _follows_the_rules(self, number: int, row: dict[str, Any]) -> bool:
        """The row's own fields, and its quote against its source; problems are noted."""
        record = _name(_key_of(self.table, row))
        try:
            derived = self.rules.model_validate(row).derived_problems()
        except ValidationError as exc:
            for error in exc.errors():
                message = error["msg"].removeprefix("Value error, ")
                where = checks.dotted(error["loc"])
                self.state.problems.add(number, self.table.name, record, where, message)
            return False
        for where, message in derived:
            self.state.problems.add(number, self.table.name, record, where, message)
        if derived:
            return False
        if self.table.name == "sources":
            self.state.texts[row["id"]] = row["text"]
        if "quote" in row:
            checker = checks.Checker(checks.InMemory(ids={}, texts=self.state.texts))
            checker.quote((), row["source_id"], row["quote"])
            if "field" in row:
                checker.cited_field((), self.state.kinds, row["record_type"], row["field"])
            if not checker.problems and set(ANCHOR_COLUMNS) <= row.keys():
                checker.anchored((), self.state.texts[row["source_id"]], row)
            if "value" in row and (unquoted := unquoted_reading(row["value"], row["quote"])):
                checker.add(("value",), unquoted)
            for loc, message in checker.problems:
                where = {("source",): "source_id", ("field",): "field"}.get(loc, loc[-1])
                self.state.problems.add(number, self.table.name, record, str(where), message)
            return not checker.problems
        return True

    def flush(self) -> None:
        """Insert the batch once every reference it makes to other tables resolves."""
        for fk in self.foreign_keys:
            values = {row[fk.parent.name] for row in self.batch} - {None}
            if not values:
                continue
            found = set(self.conn.scalars(select(fk.column).where(fk.column.in_(values))))
            for row, number in zip(self.batch, self.batch_lines, strict=True):
                value = row[fk.parent.name]
                if value is not None and value not in found:
                    self.state.problems.add(
                        number,
                        self.table.name,
                        _name(_key_of(self.table, row)),
                        fk.parent.name,
                        f"unknown {fk.column.table.name} id {value!r}",
                    )
        self.state.problems.raise_if_any()
        if self.batch:
            self.conn.execute(self.table.insert(), self.batch)
        self.batch, self.batch_lines = [], []

    def finish(self) -> None:
        self.flush()
        pk = next(iter(self.table.primary_key.columns))
        for number, key, column, target in self.deferred:
            if target not in self.loaded:
                self.state.problems.add(
                    number, self.table.name, _name(key), column, f"unknown id {target!r}"
                )
                continue
            self.conn.execute(self.table.update().where(pk == key).values({column: target}))
        if self.tree is not None:
            self.tree.check(self.state.problems, self.state.kinds)
        self.state.problems.raise_if_any()
        if self.conn.dialect.name == "postgresql":
            _reset_sequence(self.conn, self.table)


def _reset_sequence(conn: Connection, table: Table) -> None:
    """Point an integer id's sequence past the loaded ids, so new rows do not collide."""
    pk = list(table.primary_key.columns)
    if len(pk) != 1 or pk[0].type.python_type is not int or not pk[0].autoincrement:
        return
    sequence = conn.scalar(
        text("SELECT pg_get_serial_sequence(:table, :column)"),
        {"table": table.name, "column": pk[0].name},
    )
    if sequence is None:
        return
    top = conn.scalar(select(func.max(pk[0])))
    conn.execute(
        text("SELECT setval(:seq, :value, :called)"),
        {"seq": sequence, "value": top or 1, "called": top is not None},
    )


def _check_pointers(state: _Import) -> None:
    """Rows that point at any kind of record (citations, discrepancies) point at one that
    exists: checked once every table is loaded, since they come before their targets."""
    by_name = {t.name: t for t in tables(state.kinds)}
    citable = {kind.name: kind.table for kind in state.kinds if kind.citable}
    for name, (type_column, id_column) in POINTERS.items():
        table = by_name[name]
        (pk,) = table.primary_key.columns
        unknown = select(pk, table.c[type_column]).where(table.c[type_column].not_in(list(citable)))
        _report(state, name, unknown, type_column, "unknown record type {!r}")
        for record_type, target_name in citable.items():
            target = by_name[target_name]
            orphans = select(pk, table.c[id_column]).where(
                table.c[type_column] == record_type,
                ~exists().where(target.c.id == table.c[id_column]),
            )
            _report(state, name, orphans, id_column, f"unknown {record_type} id {{!r}}")
    state.problems.raise_if_any()


def _check_repeated_citations(state: _Import) -> None:
    """No record cites the same passage for the same field twice: each repeated citation is
    named once, pointing at the first (checked in one query once the rows are loaded)."""
    table = Base.metadata.tables["citations"]
    same = (table.c.record_type, table.c.record_id, table.c.source_id, table.c.quote, table.c.field)
    repeats = (
        select(func.max(table.c.id), func.min(table.c.id)).group_by(*same).having(func.count() > 1)
    )
    _report(state, "citations", repeats, "-", "repeats citation {} (same source, quote and field)")
    state.problems.raise_if_any()


def _report(state: _Import, table: str, rows: Select[Any], column: str, message: str) -> None:
    """A problem naming `column` for each of the first rows (key, value) `rows` selects."""
    key = rows.selected_columns[0]
    for row_key, value in state.conn.execute(rows.order_by(key).limit(MAX_PROBLEMS)):
        line = state.lines[table].line(row_key)
        state.problems.add(line, table, _name(row_key), column, message.format(value))


def _continue_feed(conn: Connection) -> None:
    """The changes feed goes on after the last imported change."""
    position = Base.metadata.tables[FEED_TABLE]
    last = conn.scalar(select(func.max(Base.metadata.tables["changes"].c.id))) or 0
    conn.execute(position.update().where(position.c.id == 1).values(value=last))


@dataclass
class Imported:
    """How many rows of each table were read, and how many API key rows were left out."""

    rows: dict[str, int]
    skipped_keys: int


def import_database(
    engine: Engine,
    fileobj: IO[bytes],
    *,
    include_keys: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
    kinds: Kinds = KINDS,
) -> Imported:
    """Load a dump into an empty database at the same schema revision, in one transaction.

    Raises `DumpError` (and writes nothing) if the target is not empty, is at another
    revision, or the dump is not a complete, valid dump of that revision. API key rows
    are loaded only with `include_keys`; otherwise they are counted and left out.
    `progress(lines read, None)` is called every PROGRESS_EVERY lines.
    """
    lines = _lines(fileobj)
    if progress:
        lines = _reporting(lines, progress)
    header = _read_header(lines, kinds)
    try:
        return _load(engine, header, lines, include_keys, kinds)
    except (IntegrityError, DataError) as exc:
        raise DumpError(f"the dump's rows do not fit the database: {exc.orig}") from None


PROGRESS_EVERY = 1000


def _reporting(
    lines: Iterator[tuple[int, Any]], progress: Callable[[int, int | None], None]
) -> Iterator[tuple[int, Any]]:
    for number, obj in lines:
        if number % PROGRESS_EVERY == 0:
            progress(number, None)
        yield number, obj


def _load(
    engine: Engine,
    header: dict[str, Any],
    lines: Iterator[tuple[int, Any]],
    include_keys: bool,
    kinds: Kinds,
) -> Imported:
    by_name = {t.name: t for t in tables(kinds)}
    order = [t["name"] for t in header["tables"]]
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_begin="IMMEDIATE")
        with conn.begin():
            revision = _check_revision(conn, "the target database")
            if header.get("schema_revision") != revision:
                raise DumpError(
                    f"the dump is of schema revision {header.get('schema_revision')!r}, "
                    f"the target database is at {revision}"
                )
            _ensure_empty(conn, kinds)
            state = _Import(conn, include_keys, kinds, row_models(kinds))
            loader: _Loader | None = None
            trailer: dict[str, Any] | None = None
            for number, obj in lines:
                if trailer is not None:
                    raise DumpError(f"line {number}: data after the end of the dump")
                if isinstance(obj, dict) and "end" in obj:
                    trailer = obj["end"]
                    continue
                name = obj.get("table") if isinstance(obj, dict) else None
                if name not in order:
                    raise DumpError(f"line {number}: not a row of a known table")
                if loader is None or loader.table.name != name:
                    if loader is not None:
                        loader.finish()
                        counts[loader.table.name] = loader.count
                    if name in counts or (
                        loader is not None and order.index(name) < order.index(loader.table.name)
                    ):
                        raise DumpError(f"line {number}: {name} rows out of order")
                    loader = _Loader(state, by_name[name])
                loader.add(number, obj.get("row"))
            if loader is not None:
                loader.finish()
                counts[loader.table.name] = loader.count
            counts = {name: counts.get(name, 0) for name in order}
            if trailer is None:
                raise DumpError("the dump is truncated (no end line); nothing was imported")
            if not isinstance(trailer, dict) or trailer.get("rows") != counts:
                raise DumpError("the dump's row counts do not match its rows; nothing was imported")
            _check_pointers(state)
            _check_repeated_citations(state)
            _continue_feed(conn)
    return Imported(counts, state.skipped_keys)

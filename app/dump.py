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
"""

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from typing import IO, Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Engine,
    Table,
    TypeDecorator,
    func,
    literal,
    select,
    text,
)
from sqlalchemy.exc import DataError, IntegrityError

import app.models  # noqa: F401  (registers every table)
from app.db import Base
from app.migrate import alembic_config

FORMAT = "treaty-api-dump"
VERSION = 1
BATCH = 2000


class DumpError(Exception):
    """A dump cannot be written or loaded as asked; nothing was changed."""


def tables() -> list[Table]:
    """Every table, parents before children (`alembic_version` is not a model)."""
    return [t for t in Base.metadata.sorted_tables if t.name != "alembic_version"]


def layout() -> list[dict[str, Any]]:
    """The header's description of the tables: names and columns, in dump order."""
    return [{"name": t.name, "columns": [c.name for c in t.columns]} for t in tables()]


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


def export_database(engine: Engine, fileobj: IO[bytes]) -> dict[str, int]:
    """Write every table's rows to `fileobj` (binary); returns the row count per table."""
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
                "tables": layout(),
            }
            fileobj.write((_line(header) + "\n").encode())
            for table in tables():
                counts[table.name] = 0
                prefix = '{"table":' + json.dumps(table.name) + ',"row":'
                stmt = select(table).order_by(*table.primary_key.columns)
                result = conn.execution_options(yield_per=BATCH).execute(stmt)
                for rows in result.partitions():
                    chunk = "".join(prefix + _line(row._asdict()) + "}\n" for row in rows)
                    fileobj.write(chunk.encode())
                    counts[table.name] += len(rows)
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


def _read_header(lines: Iterator[tuple[int, Any]]) -> dict[str, Any]:
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
    if header.get("tables") != layout():
        raise DumpError("the dump's tables and columns do not match this schema")
    return header


def _ensure_empty(conn: Connection) -> None:
    filled = [
        t.name
        for t in tables()
        if conn.execute(select(literal(1)).select_from(t).limit(1)).first() is not None
    ]
    if filled:
        raise DumpError(
            "the target database is not empty (rows in " + ", ".join(filled) + "): "
            "import only loads an empty, freshly migrated database"
        )


class _Loader:
    """Inserts one table's rows in batches, deferring self-references not yet loaded."""

    def __init__(self, conn: Connection, table: Table) -> None:
        self.conn = conn
        self.table = table
        self.columns = frozenset(c.name for c in table.columns)
        self.converters = _converters(table)
        self.self_refs = _self_references(table)
        self.loaded: set[Any] = set()
        self.deferred: list[tuple[Any, str, Any]] = []
        self.batch: list[dict[str, Any]] = []
        self.count = 0

    def add(self, number: int, row: Any) -> None:
        if not isinstance(row, dict) or row.keys() != self.columns:
            raise DumpError(f"line {number}: a {self.table.name} row must have exactly its columns")
        try:
            for name, convert in self.converters:
                if row[name] is not None:
                    row[name] = convert(row[name])
        except (TypeError, ValueError) as exc:
            raise DumpError(f"line {number}: {exc}") from None
        for column, referenced in self.self_refs:
            target = row[column]
            if target is not None and target not in self.loaded:
                # Its parent comes later: insert without the link, set it at the end.
                self.deferred.append((row[referenced], column, target))
                row = {**row, column: None}
        for _, referenced in self.self_refs:
            self.loaded.add(row[referenced])
        self.batch.append(row)
        self.count += 1
        if len(self.batch) >= BATCH:
            self.flush()

    def flush(self) -> None:
        if self.batch:
            self.conn.execute(self.table.insert(), self.batch)
            self.batch = []

    def finish(self) -> None:
        self.flush()
        for key, column, target in self.deferred:
            (pk,) = self.table.primary_key.columns
            self.conn.execute(self.table.update().where(pk == key).values({column: target}))
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


def import_database(engine: Engine, fileobj: IO[bytes]) -> dict[str, int]:
    """Load a dump into an empty database at the same schema revision, in one transaction.

    Raises `DumpError` (and writes nothing) if the target is not empty, is at another
    revision, or the dump is not a complete, valid dump of that revision.
    """
    lines = _lines(fileobj)
    header = _read_header(lines)
    try:
        return _load(engine, header, lines)
    except (IntegrityError, DataError) as exc:
        raise DumpError(f"the dump's rows do not fit the database: {exc.orig}") from None


def _load(
    engine: Engine, header: dict[str, Any], lines: Iterator[tuple[int, Any]]
) -> dict[str, int]:
    by_name = {t.name: t for t in tables()}
    order = [t.name for t in tables()]
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
            _ensure_empty(conn)
            loader: _Loader | None = None
            trailer: dict[str, Any] | None = None
            for number, obj in lines:
                if trailer is not None:
                    raise DumpError(f"line {number}: data after the end of the dump")
                if isinstance(obj, dict) and "end" in obj:
                    trailer = obj["end"]
                    continue
                name = obj.get("table") if isinstance(obj, dict) else None
                if name not in by_name:
                    raise DumpError(f"line {number}: not a row of a known table")
                if loader is None or loader.table.name != name:
                    if loader is not None:
                        loader.finish()
                        counts[loader.table.name] = loader.count
                    if name in counts or (
                        loader is not None and order.index(name) < order.index(loader.table.name)
                    ):
                        raise DumpError(f"line {number}: {name} rows out of order")
                    loader = _Loader(conn, by_name[name])
                loader.add(number, obj.get("row"))
            if loader is not None:
                loader.finish()
                counts[loader.table.name] = loader.count
            counts = {name: counts.get(name, 0) for name in order}
            if trailer is None:
                raise DumpError("the dump is truncated (no end line); nothing was imported")
            if not isinstance(trailer, dict) or trailer.get("rows") != counts:
                raise DumpError("the dump's row counts do not match its rows; nothing was imported")
    return counts

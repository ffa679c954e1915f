"""Writing synthetic rows: the database's fastest bulk path, and deleting a previous run."""

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, MetaData, Table, insert, inspect, text

from bench.synth.vocabulary import PREFIX, SOURCE_ID

AGREEMENT_COLUMNS = (
    "id", "title", "aliases", "kind", "place", "place_country_id", "summary", "status",
    "visit_id", "date", "date_precision", "date_inferred", "date_inferred_reason",
    "date_start", "date_end", "search_text",
)  # fmt: skip
VISIT_COLUMNS = (
    "id", "title", "kind", "guest_id", "guest_title", "guest_country_id", "host_country_id",
    "city", "summary", "date", "date_precision", "date_inferred", "date_inferred_reason",
    "date_start", "date_end", "search_text",
)  # fmt: skip
SIGNATORY_COLUMNS = ("id", "name", "kind", "country_id", "aliases", "description", "search_text")
SOURCE_COLUMNS = (
    "id", "title", "kind", "publisher", "language", "url", "published", "notes", "filename",
    "text", "sha256",
)  # fmt: skip
PARTY_COLUMNS = ("agreement_id", "country_id", "inferred_reason")
SECTOR_COLUMNS = ("agreement_id", "sector_id")
SIGNER_COLUMNS = ("agreement_id", "signatory_id", "role", "side_id", "position")
CITATION_COLUMNS = (
    *("record_type", "record_id", "position", "field", "source_id", "quote"),
    *("quote_start", "quote_end", "quote_prefix", "quote_suffix"),
)


def sqlite_range(column: str) -> str:
    """`column LIKE 'synth-%'` as a range, so SQLite can use the index on `column`."""
    return f"{column} >= '{PREFIX}' AND {column} < '{PREFIX[:-1]}.'"


OWN = {
    "citations", "agreement_signatories", "agreement_parties", "agreement_sectors", "agreements",
    "visits", "signatories", "sources",
}  # fmt: skip


def delete_statements(engine: Engine) -> list[str]:
    dialect = engine.dialect.name

    def synth(column: str) -> str:
        return sqlite_range(column) if dialect == "sqlite" else f"{column} LIKE '{PREFIX}%'"

    # Rows of other tables that point at synthetic records (none are generated, but a
    # schema may grow tables that reference agreements, visits or signatories).
    inspector = inspect(engine)
    dependents = []
    for table in inspector.get_table_names():
        if table in OWN:
            continue
        nullable = {c["name"]: c["nullable"] for c in inspector.get_columns(table)}
        for fk in inspector.get_foreign_keys(table):
            if fk["referred_table"] not in ("agreements", "visits", "signatories"):
                continue
            for column in fk["constrained_columns"]:
                dependents.append(
                    f"UPDATE {table} SET {column} = NULL WHERE {synth(column)}"
                    if nullable[column]
                    else f"DELETE FROM {table} WHERE {synth(column)}"
                )
    return [
        *dependents,
        f"DELETE FROM citations WHERE source_id = '{SOURCE_ID}'",
        f"DELETE FROM citations WHERE record_type IN ('agreement', 'visit', 'signatory') "
        f"AND {synth('record_id')}",
        f"DELETE FROM agreement_signatories WHERE {synth('agreement_id')}",
        f"DELETE FROM agreement_signatories WHERE {synth('signatory_id')}",
        f"DELETE FROM agreement_parties WHERE {synth('agreement_id')}",
        f"DELETE FROM agreement_sectors WHERE {synth('agreement_id')}",
        f"DELETE FROM agreements WHERE {synth('id')}",
        f"DELETE FROM visits WHERE {synth('id')}",
        f"DELETE FROM signatories WHERE {synth('id')}",
        f"DELETE FROM sources WHERE id = '{SOURCE_ID}'",
    ]


class Writer:
    """Bulk inserts in the database's fastest way; one transaction per `commit()`."""

    dates_as_text = False

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.raw = engine.raw_connection()

    def execute(self, sql: str) -> None:
        cursor = self.raw.cursor()
        cursor.execute(sql)
        cursor.close()

    def begin(self) -> None:
        pass

    def commit(self) -> None:
        self.raw.commit()

    def rollback(self) -> None:
        self.raw.rollback()

    def close(self) -> None:
        self.raw.close()

    def finish(self) -> None:
        pass

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        raise NotImplementedError


class SqliteWriter(Writer):
    """pysqlite `executemany`; the engine's connections are in autocommit mode (BEGIN is ours)."""

    dates_as_text = True

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.execute("PRAGMA synchronous=OFF")
        self.execute("PRAGMA cache_size=-262144")  # 256 MiB of page cache while loading
        self.execute("PRAGMA temp_store=MEMORY")

    def begin(self) -> None:
        self.execute("BEGIN")

    def commit(self) -> None:
        self.execute("COMMIT")

    def rollback(self) -> None:
        if self.raw.driver_connection.in_transaction:
            self.execute("ROLLBACK")

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        json_at = [i for i, c in enumerate(columns) if c == "aliases"]
        if json_at:
            rows = [with_json(row, json_at) for row in rows]
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})"
        cursor = self.raw.cursor()
        cursor.executemany(sql, rows)
        cursor.close()

    def finish(self) -> None:
        self.execute("ANALYZE")
        self.execute("PRAGMA wal_checkpoint(TRUNCATE)")


class PostgresWriter(Writer):
    """psycopg 3 `COPY ... FROM STDIN`, the fastest way into PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.conn = self.raw.driver_connection

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        json_at = [i for i, c in enumerate(columns) if c == "aliases"]
        with (
            self.conn.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(with_json(row, json_at) if json_at else row)

    def finish(self) -> None:
        self.commit()
        self.conn.autocommit = True
        tables = ("agreements", "agreement_parties", "agreement_sectors")
        for table in (*tables, "agreement_signatories", "visits", "signatories", "citations"):
            self.execute(f"VACUUM ANALYZE {table}")
        self.conn.autocommit = False


class CoreWriter(Writer):
    """Any other database: SQLAlchemy Core `insert(table)` with lists of dicts."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.metadata = MetaData()
        self.connection = engine.connect()
        self.transaction = self.connection.begin()

    def execute(self, sql: str) -> None:
        self.connection.execute(text(sql))

    def commit(self) -> None:
        self.transaction.commit()
        self.transaction = self.connection.begin()

    def rollback(self) -> None:
        self.transaction.rollback()

    def close(self) -> None:
        self.connection.close()

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if rows:
            t = Table(table, self.metadata, autoload_with=self.connection)
            self.connection.execute(
                insert(t), [dict(zip(columns, row, strict=True)) for row in rows]
            )


def with_json(row: tuple[Any, ...], at: list[int]) -> tuple[Any, ...]:
    out = list(row)
    for i in at:
        out[i] = json.dumps(out[i], ensure_ascii=False)
    return tuple(out)


def writer_for(engine: Engine) -> Writer:
    if engine.dialect.name == "sqlite":
        return SqliteWriter(engine)
    if engine.dialect.name == "postgresql" and engine.dialect.driver == "psycopg":
        return PostgresWriter(engine)
    return CoreWriter(engine)

"""Whether the primary database would take a write now: what `/ready` asks."""

import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import Engine, text

from app.errors import DISK_FULL, READ_ONLY, unavailable

# Less free space than this on SQLite's filesystem, and a commit may not find room for its
# WAL frames: the database counts as full.
MIN_FREE_BYTES = 1 << 20
_SQLITE_BUSY = 5


def write_refusal(engine: Engine) -> str | None:
    """Why the database would refuse a write now, in `app.errors`' words; None when it would
    take one. Raises what connecting or asking raises (the database does not answer).

    SQLite: a table is created in a transaction that is rolled back, which needs the write
    lock and a new page, so a read-only file or connection and a database that may not grow
    (SQLITE_FULL) refuse it as they would a write; and the filesystem must have room left (a
    full disk refuses only the commit, which the probe never makes). A writer holding the
    lock means writes are going through. PostgreSQL: a standby (in recovery) refuses
    writes."""
    with engine.connect() as connection:
        if engine.dialect.name != "sqlite":
            in_recovery = connection.execute(text("SELECT pg_is_in_recovery()")).scalar()
            return READ_ONLY if in_recovery else None
        database = str(engine.url.database).removeprefix("file:")
        if shutil.disk_usage(Path(database).resolve().parent).free < MIN_FREE_BYTES:
            return DISK_FULL
        return _sqlite_probe(connection.connection.driver_connection)


def _sqlite_probe(raw: sqlite3.Connection) -> str | None:
    (busy_timeout,) = raw.execute("PRAGMA busy_timeout").fetchone()
    raw.execute("PRAGMA busy_timeout = 0")
    try:
        raw.execute("BEGIN IMMEDIATE")
        try:
            raw.execute("CREATE TABLE readiness_probe (x)")
        finally:
            if raw.in_transaction:  # SQLite may have rolled back already (SQLITE_FULL)
                raw.execute("ROLLBACK")
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode & 0xFF == _SQLITE_BUSY:
            return None
        reason = unavailable(exc)
        if reason is None:
            raise
        return reason
    finally:
        raw.execute(f"PRAGMA busy_timeout = {int(busy_timeout)}")
    return None

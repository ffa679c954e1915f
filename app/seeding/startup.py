"""Migrate and seed as one step that replicas starting together cannot run twice at once."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from app.db import migrate
from app.kinds.declaration import Kinds
from app.kinds.registry import KINDS
from app.seeding.load import load_seeds
from app.seeding.plan import Prefer, Report
from app.seeding.write import write_seeds

LOCK_KEY = int.from_bytes(b"treaty\x00\x01", "big")
"""The PostgreSQL advisory lock held while migrating and seeding (any 64-bit constant that no
other code of this database uses)."""


@contextmanager
def setup_lock(engine: Engine) -> Iterator[None]:
    """Hold a PostgreSQL session-level advisory lock: a second replica waits here until the
    first has migrated and seeded, then finds nothing left to do. The lock goes with the
    connection, so a process that dies releases it.

    SQLite needs none: one machine, and seeding's transaction begins IMMEDIATE (a writer lock).
    """
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})


def seed(
    engine: Engine,
    seeds_dir: Path,
    prefer: Prefer | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int | None], None] | None = None,
    kinds: Kinds = KINDS,
) -> Report:
    """Load and check `seeds_dir` (SeedErrors if it is bad: nothing written), then sync it
    into the database in one transaction; a dry run rolls that transaction back."""
    data = load_seeds(seeds_dir, kinds)
    with Session(engine) as session:
        session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
        report = write_seeds(session, data, prefer, progress, kinds)
        if dry_run:
            session.rollback()
        else:
            session.commit()
    return report


def migrate_and_seed(engine: Engine, database_url: str, seeds_dir: Path) -> Report:
    """What a starting server does: migrate to head, then seed (API edits win conflicts
    until a curator settles them with `seed --prefer`), under the advisory lock."""
    with setup_lock(engine):
        migrate.upgrade(database_url)
        return seed(engine, seeds_dir)

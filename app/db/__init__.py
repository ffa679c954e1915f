"""Declarative base, engine and session factories. Nothing is connected at import."""

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from sqlalchemy import Engine, MetaData, create_engine, event, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from app.db.bounded import Timeouts, bound_postgres
from app.errors import Busy, is_busy

T = TypeVar("T")
logger = logging.getLogger("app.db")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def normalize_url(url: str) -> str:
    """Let a plain `postgresql://` URL use psycopg 3, the driver we install."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs: object) -> Engine:
    url = normalize_url(url)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    return engine


def serving_engine(url: str, connections: int, timeout: float, bounds: Timeouts) -> Engine:
    """The app's engine: exactly `connections` pooled connections, one for each request the
    admission gate lets in at once (see `app.middleware.admission.AdmissionGate`), so a
    checkout never waits on another request; should one wait `timeout` seconds anyway, it is
    a 503. On PostgreSQL, connecting, each statement and each answer are bounded by
    `bounds` (`app.db.bounded`); SQLite's bound is its busy timeout.
    (An in-memory SQLite database has one connection per thread, and no pool to size.)"""
    parsed = make_url(normalize_url(url))
    if parsed.database in (None, "", ":memory:"):
        return make_engine(url)
    pool: dict[str, object] = {"pool_size": connections, "max_overflow": 0, "pool_timeout": timeout}
    if parsed.get_backend_name() != "postgresql":
        return make_engine(url, **pool)
    engine = make_engine(url, connect_args=bounds.connect_args(), **pool)
    bound_postgres(engine, bounds)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    """Make pysqlite transactional (SQLAlchemy's documented recipe) and enforce foreign keys.

    pysqlite otherwise defers BEGIN until the first write, so SAVEPOINTs and rollbacks of a
    test's outer transaction do not cover reads-then-writes, and rows survive the rollback.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:  # type: ignore[no-untyped-def]
        mode = connection.get_execution_options().get("sqlite_begin")
        if mode is None:
            # A deferred BEGIN takes no lock, so it cannot wait or fail on a writer: it goes
            # straight to the driver (through SQLAlchemy it cost 100 µs of a 2 ms list read).
            connection.connection.driver_connection.execute("BEGIN")
        else:  # it may wait on a writer and fail: raised as SQLAlchemy's OperationalError
            connection.exec_driver_sql(f"BEGIN {mode}")


def make_sessionmaker(
    engine: Engine, info: dict[str, object] | None = None
) -> sessionmaker[Session]:
    """Sessions of `engine`; `info` is copied into each session's `info` (see the read
    replica keys below)."""
    return sessionmaker(engine, expire_on_commit=False, info=info)


# Read replicas (PostgreSQL streaming replication, see docs/operating/deploying.md). Sessions of
# the primary record the WAL position after each write when a replica serves reads, so the
# writer can present it and read its own write; sessions of the replica are marked.
TRACKS_POSITION = "tracks_change_position"
CHANGE_POSITION = "change_position"
REPLICA = "replica"
# pg_lsn's text form: two hexadecimal numbers of up to 32 bits, e.g. "0/3000060".
LSN_PATTERN = r"[0-9A-Fa-f]{1,8}/[0-9A-Fa-f]{1,8}"


def change_position(session: Session) -> str | None:
    """The WAL position (pg_lsn) of the session's last committed write, when it is tracked."""
    position = session.info.get(CHANGE_POSITION)
    return position if isinstance(position, str) else None


def has_replayed(session: Session, position: str) -> bool:
    """Whether the replica behind `session` has replayed the WAL up to `position` (False if
    it is not in recovery any more: `pg_last_wal_replay_lsn()` is then NULL)."""
    query = text("SELECT pg_last_wal_replay_lsn() >= CAST(:position AS pg_lsn)")
    return bool(session.execute(query, {"position": position}).scalar())


def _record_change_position(session: Session) -> None:
    """After a commit: the WAL insert position is at or past the end of the commit record,
    even with `synchronous_commit = off` (where the written position may not be yet)."""
    if session.info.get(TRACKS_POSITION):
        query = text("SELECT CAST(pg_current_wal_insert_lsn() AS text)")
        session.info[CHANGE_POSITION] = session.execute(query).scalar()


@contextmanager
def transaction(engine: Engine) -> Iterator[Session]:
    """One session in one transaction: committed on success, rolled back on any error."""
    with make_sessionmaker(engine).begin() as session:
        yield session


# PostgreSQL's deadlock_detected and serialization_failure: the transaction was chosen to
# fail so that another could go on; running it again is safe and usually succeeds.
RETRYABLE_SQLSTATES = frozenset({"40P01", "40001"})
WRITE_ATTEMPTS = 3


def write_transaction(session: Session, work: Callable[[Session], T]) -> T:
    """Run `work` in a write transaction of its own and commit it.

    Whatever the session read before (the API key) is committed first, so the writer lock is
    taken here, after the body was read and parsed, and held only for the write. On SQLite
    the transaction begins IMMEDIATE (a writer waits for the lock up front, rather than
    failing when a read upgrades to a write); a lock still held by another writer after the
    busy timeout is a 503. On PostgreSQL a deadlock or serialization failure runs `work`
    again, up to WRITE_ATTEMPTS times, then it is a 503. With a read replica, the WAL
    position after the commit is kept in the session (`change_position`).
    """
    for attempt in range(1, WRITE_ATTEMPTS + 1):
        if session.in_transaction():
            session.commit()
        try:
            session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
            result = work(session)
            session.commit()
        except DBAPIError as exc:
            session.rollback()
            if is_busy(exc):
                raise Busy("The database is busy with another write; retry shortly.") from None
            if getattr(exc.orig, "sqlstate", None) not in RETRYABLE_SQLSTATES:
                raise
            logger.warning("write attempt %d of %d failed: %s", attempt, WRITE_ATTEMPTS, exc.orig)
        except BaseException:
            session.rollback()
            raise
        else:
            _record_change_position(session)
            return result
    raise Busy("The write kept conflicting with concurrent writes; retry shortly.")


def is_model_object(name: str | None, type_: str, _parents: object) -> bool:
    """For Alembic's autogenerate: skip the search indexes that migrations 0006, 0011 and
    0020 make by hand (SQLite's FTS5 virtual tables, the vocabulary, PostgreSQL's pg_trgm
    and word GIN indexes): they are not models."""
    if name is None:
        return True
    return not (
        (type_ == "table" and "_fts" in name)
        or (type_ == "index" and name.endswith(("_search_trgm", "_search_words")))
    )

"""A real database for the whole run (SQLite file, or TEST_DATABASE_URL), migrated with
Alembic and seeded once; every test runs in a transaction that is rolled back."""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from app.api.deps import get_session
from app.config import Settings
from app.db import make_engine
from app.main import create_app
from tests.servers import scratch_database, seed_database


@pytest.fixture(scope="session")
def db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return (
        os.environ.get("TEST_DATABASE_URL")
        or f"sqlite:///{tmp_path_factory.mktemp('db')}/test.sqlite"
    )


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    seed_database(db_url)
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session inside an outer transaction that is rolled back after the test."""
    with engine.connect() as connection:
        outer = connection.begin()
        session = Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        )
        try:
            yield session
        finally:
            session.close()
            outer.rollback()


@pytest.fixture(scope="session")
def app(db_url: str) -> Iterator[FastAPI]:
    """The app every `client` talks to, made once for the run.

    One per test cost each test about 0.1 s (FastAPI builds its routes' validators on an
    app's first request) and about 2 MB that was never freed (FastAPI's call caches keep
    4,096 callables, each holding its app), so the run grew to gigabytes and its garbage
    collections slowed every later test. Nothing a test changes lives in the app: each
    client brings its own session (below), cookies and lifespan."""
    # The counting index reads committed rows through its own connection, and rows made in
    # a test's rolled-back transaction never commit: lists here count with SQL. The index
    # has its own tests on committed databases (tests/api/test_counting.py).
    app = create_app(
        Settings(
            database_url=db_url,
            rate_limit_anonymous="off",
            rate_limit_keyed="off",
            counting_index=False,
        )
    )
    yield app
    app.state.engine.dispose()
    app.state.health_engine.dispose()


@pytest.fixture
def client(app: FastAPI, session: Session) -> Iterator[TestClient]:
    app.dependency_overrides[get_session] = lambda: session
    try:
        with TestClient(app) as test_client:
            yield test_client
    finally:
        del app.dependency_overrides[get_session]


@pytest.fixture
def sql_log(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements run while the test runs (savepoints left out)."""
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    yield statements
    event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def scratch_url(db_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as the test database."""
    with scratch_database(db_url, tmp_path, "scratch") as url:
        yield url


@pytest.fixture(scope="session")
def seeded_template(db_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A database migrated and seeded once for the run, committed, never connected to
    after: `seeded_url` copies it."""
    folder = tmp_path_factory.mktemp("seeded")
    with scratch_database(db_url, folder, "seeded") as url:
        seed_database(url)
        yield url


@pytest.fixture
def seeded_url(db_url: str, seeded_template: str, tmp_path: Path) -> Iterator[str]:
    """A migrated and seeded database of the test's own, committed (a copy of the
    template: seeding one takes a second or two, copying it a tenth of that)."""
    with scratch_database(db_url, tmp_path, "copy", template=seeded_template) as url:
        yield url

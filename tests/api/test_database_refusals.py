"""A database that is there but cannot do what a request needs (issue 23): SQLite on a full
disk or read-only, a PostgreSQL statement past its timeout. Each is a 503 with Retry-After
naming what happened, nothing half-written; /ready says not ready while a write would fail,
and /health stays 200. (Servers that are away: tests/api/test_databases_away.py.)"""

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, event, text

from app.config import Settings
from app.curation.keys import create_key
from app.db import make_engine, transaction
from app.main import create_app
from tests.api.test_writes import auth
from tests.problems import assert_problem
from tests.servers import scratch_database

SEEDED = "/api/v1/agreements/mou-energy-vn-az-2025"
# Large enough to need pages the file does not have (overflow pages, and the audit entry's).
SECTOR = {"id": "no-room", "name": "No room", "description": "Room to grow. " * 20_000}


@pytest.fixture
def sqlite_copy(db_url: str, engine: Engine, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A copy of the seeded SQLite database and a write key in it."""
    if not db_url.startswith("sqlite"):
        pytest.skip("SQLite's own refusals: the suite runs on PostgreSQL")
    with scratch_database(db_url, tmp_path, "refusing", template=db_url) as url:
        writer = make_engine(url)
        with transaction(writer) as session:
            key = create_key(session, "refused-writer", "write")[1]
        writer.dispose()
        yield url, key


def assert_refused(client: TestClient, key: str, reason: str) -> None:
    """A write is a 503 naming `reason` with Retry-After and leaves nothing behind; reads
    are served; /ready is 503 naming `reason`; /health is 200."""
    written = client.post("/api/v1/sectors", json=SECTOR, headers=auth(key))
    body = assert_problem(written, 503)
    assert reason in body["detail"]
    assert int(written.headers["Retry-After"]) > 0
    assert client.get(f"/api/v1/sectors/{SECTOR['id']}").status_code == 404
    changes = client.get("/api/v1/changes", params={"record_type": "sector"}).json()["items"]
    assert SECTOR["id"] not in {change["record_id"] for change in changes}
    assert client.get(SEEDED).status_code == 200
    assert reason in assert_problem(client.get("/ready"), 503)["detail"]
    assert client.get("/health").status_code == 200


def test_a_full_disk_refuses_writes_with_503(sqlite_copy: tuple[str, str]) -> None:
    """`PRAGMA max_page_count` at the file's size makes SQLite answer any growth with
    SQLITE_FULL, "database or disk is full", as a full disk does, on every connection the
    app opens."""
    url, key = sqlite_copy
    app = create_app(Settings(database_url=url, counting_index=False))
    for engine in (app.state.engine, app.state.health_engine):
        event.listen(engine, "connect", lambda raw, _: raw.execute("PRAGMA max_page_count = 1"))
    try:
        with TestClient(app) as client:
            assert_refused(client, key, "disk is full")
    finally:
        app.state.engine.dispose()
        app.state.health_engine.dispose()


def test_a_read_only_database_refuses_writes_with_503(sqlite_copy: tuple[str, str]) -> None:
    """The file opened read-only (`mode=ro`), as from a read-only volume; file modes would
    not do, since root ignores them."""
    url, key = sqlite_copy
    read_only = url.replace("sqlite:///", "sqlite:///file:") + "?mode=ro&uri=true"
    app = create_app(Settings(database_url=read_only, counting_index=False))
    try:
        with TestClient(app) as client:
            assert_refused(client, key, "read-only")
    finally:
        app.state.engine.dispose()
        app.state.health_engine.dispose()


def test_a_statement_past_the_timeout_is_a_503(db_url: str, engine: Engine) -> None:
    """A read that waits on a lock past DB_STATEMENT_TIMEOUT_SECONDS is cancelled by
    PostgreSQL: a 503 naming the statement timeout, not a hang or a 500."""
    if db_url.startswith("sqlite"):
        pytest.skip("a statement timeout is PostgreSQL's (SQLite's bound is its busy timeout)")
    app = create_app(
        Settings(database_url=db_url, db_statement_timeout_seconds=0.5, counting_index=False)
    )
    try:
        with TestClient(app) as client:
            with engine.connect() as locker:
                locker.execute(text("LOCK TABLE agreements IN ACCESS EXCLUSIVE MODE"))
                started = time.monotonic()
                response = client.get(SEEDED)
                assert time.monotonic() - started < 5
                body = assert_problem(response, 503)
                assert "statement timeout" in body["detail"]
                assert int(response.headers["Retry-After"]) > 0
                locker.rollback()
            assert client.get(SEEDED).status_code == 200
    finally:
        app.state.engine.dispose()
        app.state.health_engine.dispose()

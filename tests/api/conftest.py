"""Fixtures shared by the API tests: keys, and the two engines of the agreements list."""

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.api.deps import get_session
from app.curation.keys import create_key, revoke_key
from app.db import make_engine, transaction
from bench.synth import synthesize
from tests.api.engines import TransactionIndex, client_of
from tests.factories import make_agreement
from tests.servers import scratch_database


@pytest.fixture
def keys(session: Session) -> dict[str, str]:
    """A key of each scope, and a revoked admin key."""
    secrets = {
        scope: create_key(session, f"{scope}-key", scope)[1] for scope in ("read", "write", "admin")
    }
    secrets["revoked"] = create_key(session, "revoked-key", "admin")[1]
    revoke_key(session, "revoked-key")
    return secrets


@pytest.fixture(params=["counting index", "SQL"])
def either_engine(
    request: pytest.FixtureRequest, app: FastAPI, session: Session
) -> Iterator[TestClient]:
    """A client of the test's transaction, answered by the counting index (as users get it)
    or by SQL alone: every test using it runs once with each."""
    app.dependency_overrides[get_session] = lambda: session
    try:
        with TestClient(app) as client:
            if request.param == "counting index":
                app.state.counting = TransactionIndex()
            yield client
    finally:
        app.state.counting = None
        del app.dependency_overrides[get_session]


@pytest.fixture(scope="package")
def world(
    tmp_path_factory: pytest.TempPathFactory, db_url: str, seeded_template: str
) -> Iterator[str]:
    """A committed database with the seeds, 1,500 synthetic agreements and an undated one
    (tests that write to it undo what they wrote)."""
    folder = tmp_path_factory.mktemp("counting")
    with scratch_database(db_url, folder, "counting", template=seeded_template) as url:
        engine = make_engine(url)
        synthesize(engine, 1500, seed=7)
        with transaction(engine) as session:
            make_agreement(session, id="undated-agreement", date=None, parties=("VN", "FR"))
        engine.dispose()
        yield url


@pytest.fixture(scope="package")
def indexed(world: str) -> Iterator[TestClient]:
    """The app on `world` with its counting index, built."""
    with client_of(world, counting_index=True) as client:
        assert client.app.state.counting.ready.wait(60)  # type: ignore[attr-defined]
        yield client


@pytest.fixture(scope="package")
def plain(world: str) -> Iterator[TestClient]:
    """The app on `world` without a counting index: SQL answers every list."""
    with client_of(world, counting_index=False) as client:
        yield client

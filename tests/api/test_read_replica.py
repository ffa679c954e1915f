"""Reads from a streaming replica, writes to the primary, and a writer reads its own write
(issue 16): against a real primary and replica made for the module (tests/replica_cluster.py).

They need PostgreSQL's server binaries and run when the suite runs on PostgreSQL
(TEST_DATABASE_URL set); on SQLite only the check that nothing changes without a replica
runs.
"""

import os
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.counting.index import AgreementIndex
from tests.api.test_observability import metric_samples
from tests.api.test_writes import NEW, auth
from tests.problems import assert_problem
from tests.replica_cluster import (
    READY_SECONDS,
    Deployment,
    deployed,
    has_replayed,
    wait_until,
)

AGREEMENTS = "/api/v1/agreements"
SEEDED = f"{AGREEMENTS}/mou-energy-vn-az-2025"
WRITTEN = f"{AGREEMENTS}/{NEW['id']}"
LISTING = f"{AGREEMENTS}?country=AZ"


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    """The app serving a seeded primary's writes and its replica's reads."""
    if not os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("read replicas are PostgreSQL's: set TEST_DATABASE_URL to run these")
    with deployed("replica-writer") as deployment:
        yield deployment


def reads_by_target(client: httpx.Client) -> dict[str, float]:
    samples = metric_samples(client)  # type: ignore[arg-type]
    return {
        target: samples.get(("treaty_db_reads_total", (("target", target),)), 0)
        for target in ("replica", "primary")
    }


def served_by(client: httpx.Client, url: str, **headers: str) -> tuple[httpx.Response, str]:
    """The answer to a GET of `url`, and which database served it (from /metrics)."""
    before = reads_by_target(client)
    response = client.get(url, headers=headers)
    after = reads_by_target(client)
    grown = [target for target in after if after[target] > before[target]]
    assert len(grown) == 1, (before, after)
    return response, grown[0]


def counting_index(app: FastAPI) -> AgreementIndex | None:
    """The app's counting index as the primary sees it (None while it is being built)."""
    assert app.state.counting.ready.wait(READY_SECONDS)
    with app.state.sessions() as session, app.state.counting.use(session) as index:
        return index


def test_reads_go_to_the_replica(deployment: Deployment) -> None:
    with httpx.Client(base_url=deployment.url) as client:
        response, target = served_by(client, SEEDED)
        assert response.status_code == 200
        assert response.json()["id"] == "mou-energy-vn-az-2025"
        assert target == "replica"
        response, target = served_by(client, LISTING)
        assert response.status_code == 200
        assert "mou-energy-vn-az-2025" in {item["id"] for item in response.json()["items"]}
        assert target == "replica"


def test_a_writer_reads_its_write_while_the_replica_lags(deployment: Deployment) -> None:
    with deployment.replica.connect() as replica:
        replica.execute(text("SELECT pg_wal_replay_pause()"))
    try:
        with httpx.Client(base_url=deployment.url) as writer:
            created = writer.post(AGREEMENTS, json=NEW, headers=auth(deployment.write_key))
            assert created.status_code == 201
            position = created.headers["X-Change-Position"]
            assert writer.cookies["treaty_change_position"] == position

            response, target = served_by(writer, WRITTEN, **{"X-Read-After": position})
            assert (response.status_code, target) == (200, "primary")
            response, target = served_by(writer, WRITTEN)  # the cookie presents it
            assert (response.status_code, target) == (200, "primary")
            with httpx.Client(base_url=deployment.url) as other:
                response, target = served_by(other, WRITTEN)
                assert (response.status_code, target) == (404, "replica")

            # Totals: the primary's include the write, the replica's do not yet, and the
            # counting index (brought up to the primary) is kept through the replica's lag.
            response, target = served_by(writer, LISTING)
            assert target == "primary"
            total_with_write = response.json()["total"]
            index = counting_index(deployment.app)
            with httpx.Client(base_url=deployment.url) as other:
                response, target = served_by(other, LISTING)
                assert target == "replica"
                assert response.json()["total"] == total_with_write - 1
            assert counting_index(deployment.app) is index
    finally:
        with deployment.replica.connect() as replica:
            replica.execute(text("SELECT pg_wal_replay_resume()"))

    wait_until(lambda: has_replayed(deployment.replica, position), "the replica catches up")
    with httpx.Client(base_url=deployment.url) as writer:
        response, target = served_by(writer, WRITTEN, **{"X-Read-After": position})
        assert (response.status_code, target) == (200, "replica")


def test_a_position_that_is_not_one_is_a_422(deployment: Deployment) -> None:
    with httpx.Client(base_url=deployment.url) as client:
        response = client.get(SEEDED, headers={"X-Read-After": "yesterday"})
        assert_problem(response, 422, "X-Read-After")


def test_without_a_replica_writes_carry_no_position(
    client: TestClient, keys: dict[str, str]
) -> None:
    created = client.post(AGREEMENTS, json=NEW, headers=auth(keys["write"]))
    assert created.status_code == 201
    assert "X-Change-Position" not in created.headers
    assert "treaty_change_position" not in client.cookies
    assert client.get(SEEDED, headers={"X-Read-After": "yesterday"}).status_code == 200

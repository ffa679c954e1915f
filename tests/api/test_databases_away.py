"""A database away, answers stay honest (issue 23): a throwaway primary and streaming replica
(tests/replica_cluster.py) that these tests stop, freeze (SIGSTOP) and restart. Reads leave a
replica that is down, frozen or lagging for the primary, within a bound; a write without its
primary is a 503 with Retry-After; /ready says not ready whenever a write would fail, and
/health stays 200. Each test leaves both servers running and the replica serving reads.

They need PostgreSQL's server binaries only (not TEST_DATABASE_URL): the app's timeouts are
short here (2 s to connect, 1 s per statement), so a frozen server costs each test seconds.
"""

import time
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text

from tests.api.test_observability import metric_samples
from tests.api.test_read_replica import SEEDED, served_by
from tests.api.test_writes import NEW, auth
from tests.problems import assert_problem
from tests.replica_cluster import (
    Deployment,
    deployed,
    wait_for_streaming,
    wait_until,
)

LISTING = "/api/v1/agreements?country=AZ"
TIMEOUTS = {"db_connect_timeout_seconds": 2.0, "db_statement_timeout_seconds": 1.0}
ANSWER_BOUND = 3.0  # a frozen server's wait: the statement timeout plus the connect timeout
READY_BOUND = 2.0  # /ready's checks give up after this (app.api.meta.HEALTH_TIMEOUT)
SLACK = 1.5  # a loaded 2-core machine's scheduling, on top of a bound


@pytest.fixture(scope="module")
def deployment() -> Iterator[Deployment]:
    settings = {"replica_max_lag_seconds": 0.5, "counting_index": False, **TIMEOUTS}
    with deployed("away-writer", **settings) as deployment:
        yield deployment


def fallbacks(client: httpx.Client) -> dict[str, float]:
    samples = metric_samples(client)  # type: ignore[arg-type]
    return {
        labels[0][1]: value
        for (name, labels), value in samples.items()
        if name == "treaty_db_replica_fallbacks_total"
    }


def timed_get(client: httpx.Client, url: str) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = client.get(url)
    return response, time.monotonic() - started


def reads_come_back(deployment: Deployment) -> None:
    """Until a read is served by the replica again (the breaker measures once a second)."""
    with httpx.Client(base_url=deployment.url, timeout=30) as client:
        wait_until(lambda: served_by(client, SEEDED)[1] == "replica", "reads back on the replica")
        assert client.get("/ready").json()["replica"] == "ok"


def test_a_stopped_replica_leaves_reads_to_the_primary(deployment: Deployment) -> None:
    with httpx.Client(base_url=deployment.url, timeout=30) as client:
        assert served_by(client, SEEDED)[1] == "replica"
        before = fallbacks(client)
        deployment.database.replica.stop()
        try:
            download = client.get("/api/v1/agreements.csv?country=AZ")  # the first to fail
            assert download.status_code == 200, download.text
            assert "mou-energy-vn-az-2025" in download.text
            for url in (SEEDED, LISTING):
                response = client.get(url)
                assert response.status_code == 200, response.text
            assert "mou-energy-vn-az-2025" in {item["id"] for item in response.json()["items"]}
            ready = client.get("/ready")
            assert ready.status_code == 200
            assert (ready.json()["replica"], ready.json()["reads"]) == ("down", "primary")
            assert client.get("/health").json() == {"status": "ok", "database": "ok"}
            after = fallbacks(client)
            assert sum(after.values()) >= sum(before.values()) + 3
        finally:
            deployment.database.replica.start()
            wait_for_streaming(deployment.database)
    reads_come_back(deployment)


def test_a_frozen_replica_holds_no_read_past_the_bound(deployment: Deployment) -> None:
    with httpx.Client(base_url=deployment.url, timeout=30) as client:
        assert served_by(client, SEEDED)[1] == "replica"  # a pooled connection to freeze
        deployment.database.replica.freeze()
        try:
            for url in (SEEDED, LISTING):
                response, seconds = timed_get(client, url)
                assert response.status_code == 200, response.text
                assert seconds < ANSWER_BOUND + SLACK
            ready, seconds = timed_get(client, "/ready")
            assert seconds < READY_BOUND + SLACK
            assert ready.status_code == 200
            assert (ready.json()["replica"], ready.json()["reads"]) == ("down", "primary")
            response, seconds = timed_get(client, SEEDED)  # known down: no wait at all
            assert response.status_code == 200
            assert seconds < 1.0
        finally:
            deployment.database.replica.thaw()
    reads_come_back(deployment)


def test_a_lagging_replica_leaves_reads_to_the_primary(deployment: Deployment) -> None:
    with deployment.replica.connect() as replica:
        replica.execute(text("SELECT pg_wal_replay_pause()"))
    try:
        with httpx.Client(base_url=deployment.url, timeout=30) as writer:
            created = writer.post(
                "/api/v1/agreements", json=NEW, headers=auth(deployment.write_key)
            )
            assert created.status_code == 201, created.text
        with httpx.Client(base_url=deployment.url, timeout=30) as reader:  # no position
            wait_until(
                lambda: served_by(reader, SEEDED)[1] == "primary", "reads leave the lagging replica"
            )
            written, target = served_by(reader, f"/api/v1/agreements/{NEW['id']}")
            assert (written.status_code, target) == (200, "primary")
            ready = reader.get("/ready")
            assert ready.status_code == 200
            assert (ready.json()["replica"], ready.json()["reads"]) == ("lagging", "primary")
            assert fallbacks(reader).get("lagging", 0) > 0
    finally:
        with deployment.replica.connect() as replica:
            replica.execute(text("SELECT pg_wal_replay_resume()"))
    reads_come_back(deployment)


def assert_write_refused(response: httpx.Response, reason: str) -> None:
    body = assert_problem(response, 503)
    assert reason in body["detail"]
    assert int(response.headers["Retry-After"]) > 0


def test_a_stopped_primary_refuses_writes_with_503(deployment: Deployment) -> None:
    with httpx.Client(base_url=deployment.url, timeout=30) as client:
        deployment.database.primary.stop()
        try:
            patch = {"title": "Renamed while the primary is away"}
            written = client.post(
                "/api/v1/sectors",
                json={"id": "away", "name": "Away"},
                headers=auth(deployment.write_key),
            )
            assert_write_refused(written, "cannot be reached")
            edited = client.patch(
                SEEDED, json=patch, headers={**auth(deployment.write_key), "If-Match": '"x"'}
            )
            assert_write_refused(edited, "cannot be reached")
            ready = client.get("/ready")
            assert "cannot be reached" in assert_problem(ready, 503)["detail"]
            assert client.get("/health").json() == {"status": "ok", "database": "down"}
            read, target = served_by(client, SEEDED)  # the replica still serves reads
            assert (read.status_code, target) == (200, "replica")
        finally:
            deployment.database.primary.start()
            wait_for_streaming(deployment.database)
        assert client.get("/ready").status_code == 200
    reads_come_back(deployment)


def test_a_frozen_primary_refuses_writes_within_the_bound(deployment: Deployment) -> None:
    with httpx.Client(base_url=deployment.url, timeout=30) as client:
        sector = {"id": "frozen-out", "name": "Frozen out"}
        headers = auth(deployment.write_key)
        deployment.database.primary.freeze()
        try:
            started = time.monotonic()
            written = client.post("/api/v1/sectors", json=sector, headers=headers)
            assert time.monotonic() - started < ANSWER_BOUND + SLACK
            assert_write_refused(written, "did not answer in time")
            ready, seconds = timed_get(client, "/ready")
            assert seconds < READY_BOUND + SLACK
            assert "did not answer in time" in assert_problem(ready, 503)["detail"]
        finally:
            deployment.database.primary.thaw()
        wait_until(lambda: client.get("/ready").status_code == 200, "the primary is ready again")
        written = client.post("/api/v1/sectors", json=sector, headers=headers)
        assert written.status_code == 201, written.text  # nothing half-written stands in its way
    reads_come_back(deployment)

"""A real server (uvicorn on loopback) under a bounded burst, a slow writer, racing writers and
a failing route: it answers every request with a 2xx, 4xx or a 503 that says when to retry,
never a 500, and /health answers right after."""

import asyncio
import socket
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import cast

import httpx
import orjson
import pytest
from fastapi import Request
from sqlalchemy.orm import Session

from app.api.deps import ReadLanes, run_read
from app.config import Settings
from app.curation.keys import create_key
from app.db import make_engine, transaction
from app.main import create_app
from tests.servers import raw_request, read_status, serve

LIST = "/api/v1/agreements?country=VN&limit=20"
JSON = {"Content-Type": "application/json"}


@pytest.fixture
def seeded(seeded_url: str) -> tuple[str, dict[str, str]]:
    """A seeded scratch database and a write key for it."""
    engine = make_engine(seeded_url)
    with transaction(engine) as session:
        _, secret = create_key(session, "loader", "admin")
    engine.dispose()
    return seeded_url, {"Authorization": f"Bearer {secret}"}


async def burst(base: str, connections: int, seconds: float) -> Counter[int]:
    """`connections` clients, each on its own keep-alive connection, asking in a loop until
    `seconds` have passed: the statuses they got (599 for a transport error)."""
    statuses: Counter[int] = Counter()
    deadline = time.monotonic() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:

        async def client() -> None:
            while time.monotonic() < deadline:
                try:
                    response = await http.get(LIST, headers={"Origin": "https://example.org"})
                except httpx.TransportError:
                    statuses[599] += 1
                    continue
                if response.status_code == 503:
                    assert response.headers["retry-after"].isdigit()
                    assert response.headers["content-type"] == "application/problem+json"
                    assert response.headers["access-control-allow-origin"] == "*"
                statuses[response.status_code] += 1

        await asyncio.gather(*(client() for _ in range(connections)))
    return statuses


def test_a_burst_of_connections_never_stalls_the_server(seeded: tuple) -> None:
    database_url, _ = seeded
    with serve(database_url, rate_limit_anonymous="off", rate_limit_keyed="off") as base:
        statuses = asyncio.run(burst(base, 128, 3))
        health = httpx.get(f"{base}/health", timeout=10)
    print(f"statuses under the burst: {dict(statuses)}")
    assert statuses[200] > 0
    assert set(statuses) <= {200, 503}, statuses
    assert health.json() == {"status": "ok", "database": "ok"}


def test_beyond_capacity_requests_are_shed_with_503_and_retry_after(seeded: tuple) -> None:
    database_url, _ = seeded
    with serve(
        database_url,
        rate_limit_anonymous="off",
        rate_limit_keyed="off",
        max_concurrent_requests=1,
        max_queued_requests=2,
    ) as base:
        statuses = asyncio.run(burst(base, 32, 2))
        health = httpx.get(f"{base}/health", timeout=10)
    assert statuses[200] > 0 and statuses[503] > 0, statuses
    assert set(statuses) <= {200, 503}, statuses
    assert health.status_code == 200


def sector(i: int, parent: str = "energy") -> bytes:
    return orjson.dumps({"id": f"slow-{i}", "name": f"Slow {i}", "parent": parent})


def test_a_slow_writer_blocks_no_other_writer(seeded: tuple) -> None:
    """A keyed client sends half its body and stalls: meanwhile another writer's POST
    completes, an anonymous POST is refused, and reads go on; then the slow one finishes."""
    database_url, auth = seeded
    body = sector(0)
    with serve(database_url, rate_limit_anonymous="off", rate_limit_keyed="off") as base:
        slow = raw_request(
            base,
            f"POST /api/v1/sectors HTTP/1.1\r\nHost: x\r\n"
            f"Authorization: {auth['Authorization']}\r\nContent-Type: application/json\r\n"
            f"Content-Length: {len(body)}\r\n\r\n",
        )
        with slow:
            slow.sendall(body[:10])
            with httpx.Client(base_url=base, timeout=10) as http:
                other = http.post("/api/v1/sectors", content=sector(1), headers={**auth, **JSON})
                assert other.status_code == 201, other.text
                anonymous = http.post("/api/v1/sectors", content=sector(2), headers=JSON)
                assert anonymous.status_code == 401
                assert http.get("/api/v1/sectors/slow-1").status_code == 200
            slow.sendall(body[10:])
            assert read_status(slow) == 201


def test_an_anonymous_write_is_refused_before_its_body_is_sent(seeded: tuple) -> None:
    database_url, _ = seeded
    with serve(database_url, rate_limit_anonymous="off", rate_limit_keyed="off") as base:
        sock = raw_request(
            base,
            "POST /api/v1/sectors HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            "Content-Length: 100000\r\n\r\n",
        )
        with sock:
            assert read_status(sock) == 401


def make_parent(
    http: httpx.Client,
    auth: dict[str, str],
    start: threading.Barrier,
    etag: str,
    child: str,
    parent: str,
) -> int:
    """PATCH race-{child}'s parent to race-{parent} as soon as the other racer is ready."""
    start.wait()
    return http.patch(
        f"/api/v1/sectors/race-{child}",
        json={"parent": f"race-{parent}"},
        headers={**auth, "If-Match": etag},
    ).status_code


def test_sectors_made_each_others_parent_at_once_never_500(seeded: tuple) -> None:
    """PATCH a.parent=b and b.parent=a at the same moment, ten times: one wins, the other is
    refused (its record changed, or the loop is seen), and no cycle is ever stored. On
    PostgreSQL the second waits for the first's lock on the tree, then sees its parent."""
    database_url, auth = seeded
    with (
        serve(database_url, rate_limit_anonymous="off", rate_limit_keyed="off") as base,
        httpx.Client(base_url=base, timeout=30) as http,
        ThreadPoolExecutor(2) as pool,
    ):
        for name in ("race-a", "race-b"):
            created = http.post(
                "/api/v1/sectors", json={"id": name, "name": name, "parent": "energy"}, headers=auth
            )
            assert created.status_code == 201, created.text
        outcomes: Counter[int] = Counter()
        for _ in range(10):
            etags = {n: http.get(f"/api/v1/sectors/race-{n}").headers["etag"] for n in ("a", "b")}
            start = threading.Barrier(2)
            futures = [
                pool.submit(make_parent, http, auth, start, etags[child], child, parent)
                for child, parent in (("a", "b"), ("b", "a"))
            ]
            statuses = [future.result() for future in futures]
            outcomes.update(statuses)
            assert 500 not in statuses and 503 not in statuses, statuses
            parents = {
                n: http.get(f"/api/v1/sectors/race-{n}").json()["parent_id"] for n in ("a", "b")
            }
            assert parents != {"a": "race-b", "b": "race-a"}
            for n in ("a", "b"):
                if parents[n] != "energy":
                    etag = http.get(f"/api/v1/sectors/race-{n}").headers["etag"]
                    reset = http.patch(
                        f"/api/v1/sectors/race-{n}",
                        json={"parent": "energy"},
                        headers={**auth, "If-Match": etag},
                    )
                    assert reset.status_code == 200, reset.text
    print(f"outcomes: {dict(outcomes)}")
    assert outcomes[200] >= 10


@pytest.fixture
def failing_app(seeded: tuple) -> Iterator[tuple[str, object]]:
    database_url, _ = seeded
    app = create_app(Settings(database_url=database_url, rate_limit_anonymous="off"))

    def fail() -> None:
        raise RuntimeError("a bug")

    app.add_api_route("/api/v1/fail", fail)
    yield database_url, app


def test_an_unexpected_error_is_a_500_with_every_header_on_a_live_connection(
    failing_app: tuple,
) -> None:
    database_url, app = failing_app
    with (
        serve(database_url, app=app) as base,  # type: ignore[arg-type]
        httpx.Client(base_url=base, timeout=10) as http,
    ):
        failed = http.get("/api/v1/fail", headers={"Origin": "https://example.org"})
        assert failed.status_code == 500
        assert failed.headers["content-type"] == "application/problem+json"
        assert failed.json()["type"] == "/problems/internal-error"
        assert "a bug" not in failed.text
        assert failed.headers["access-control-allow-origin"] == "*"
        assert failed.headers["x-content-type-options"] == "nosniff"
        assert failed.headers.get("connection") != "close"
        host, port = base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            request = b"GET /api/v1/fail HTTP/1.1\r\nHost: x\r\n\r\n"
            sock.sendall(request + b"GET /health HTTP/1.1\r\nHost: x\r\n\r\n")
            received = b""
            while received.count(b"HTTP/1.1 ") < 2 or not received.endswith(b"}"):
                chunk = sock.recv(65536)
                assert chunk, f"the connection was closed after: {received!r}"
                received += chunk
        assert received.startswith(b"HTTP/1.1 500")
        assert b"HTTP/1.1 200" in received


def test_a_megabyte_header_is_refused_whole(seeded: tuple) -> None:
    database_url, _ = seeded
    with serve(database_url, rate_limit_anonymous="off") as base:
        response = httpx.get(f"{base}/api/v1/sources", headers={"X-API-Key": "k" * 1_000_000})
        assert response.status_code == 431
        assert response.headers["content-type"] == "application/problem+json"
        assert httpx.get(f"{base}/health", timeout=10).status_code == 200


def test_a_write_that_finds_sqlite_locked_is_a_503_with_retry_after(seeded: tuple) -> None:
    """Another process holds SQLite's writer lock past the busy timeout (5 s): the write is
    refused with 503 and Retry-After, and stores nothing; reads go on meanwhile."""
    database_url, auth = seeded
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's writer lock; PostgreSQL writers wait on row locks instead")
    with serve(database_url, rate_limit_anonymous="off", rate_limit_keyed="off") as base:
        holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            with httpx.Client(base_url=base, timeout=30) as http:
                refused = http.post("/api/v1/sectors", content=sector(3), headers={**auth, **JSON})
                assert http.get("/api/v1/sectors/energy").status_code == 200
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert refused.status_code == 503, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.headers["retry-after"] == "1"
        assert httpx.get(f"{base}/api/v1/sectors/slow-3").status_code == 404


def test_lean_reads_wait_for_a_thread_of_their_lane(session: Session) -> None:
    """Reads beyond their lane's threads wait on the event loop: with one thread for
    bounded reads and two for the others, twenty of each run one and two at a time, and a
    slow lane kept full does not hold up the bounded reads."""
    release = threading.Event()
    ran: list[bool] = []

    def work(bounded: bool) -> Callable[[Session], None]:
        def read(_: Session) -> None:
            ran.append(bounded)
            if not bounded:
                release.wait(timeout=30)

        return read

    lanes = ReadLanes(1, 2)
    state = SimpleNamespace(read_lanes=lanes)
    request = cast(Request, SimpleNamespace(app=SimpleNamespace(state=state)))

    async def forty_reads() -> None:
        slow = [
            asyncio.create_task(run_read(request, session, work(False), bounded=False))
            for _ in range(20)
        ]
        quick = [
            asyncio.create_task(run_read(request, session, work(True), bounded=True))
            for _ in range(20)
        ]
        await asyncio.gather(*quick)  # done while the other lane is still held
        held = lanes.limiter(bounded=False).statistics()
        release.set()
        await asyncio.gather(*slow)
        assert (held.borrowed_tokens, held.tasks_waiting) == (2, 18)

    asyncio.run(forty_reads())
    assert ran.count(True) == ran.count(False) == 20


def test_bounded_reads_get_one_thread_on_sqlite_and_two_on_postgresql() -> None:
    assert Settings(database_url="sqlite:///x.sqlite").bounded_reads() == 1
    assert Settings(database_url="postgresql+psycopg://h/db").bounded_reads() == 2
    assert Settings(database_url="sqlite:///x.sqlite", bounded_read_threads=3).bounded_reads() == 3

"""Slow clients cannot starve the others, on a real server (uvicorn on loopback): a client
holds at most its share of the admission slots, and a download read at its client's pace,
or a request body sent at it, holds no slot and no transaction while it waits (a body has a
deadline).

The slow clients are slow by not reading, never by timers, and each kind of client comes
from an address of its own on the loopback network (127.0.0.x), as clients on the internet
would."""

import math
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import ExitStack
from itertools import cycle
from pathlib import Path
from socket import socket

import anyio.to_thread
import httpx
import orjson
import pytest
from sqlalchemy import text

from app.config import Settings
from app.curation.keys import create_key
from app.db import make_engine, transaction
from app.main import create_app
from bench.synth import synthesize
from tests.servers import raw_request, read_status, scratch_database, serve

READERS = [f"127.0.0.{10 + i}" for i in range(8)]
WRITERS = "127.0.0.3"
NORMAL = "127.0.0.9"
DOWNLOADS = (
    "GET /api/v1/agreements.csv HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /api/v1/agreements.ndjson HTTP/1.1\r\nHost: x\r\n\r\n",
    "GET /api/v1/agreements HTTP/1.1\r\nHost: x\r\nAccept: text/csv\r\n\r\n",
)
READS = (
    "/api/v1/agreements?country=VN&limit=20",
    "/api/v1/agreements/mou-energy-vn-az-2025",
    "/api/v1/visits?limit=10",
    "/api/v1/countries/VN",
    "/api/v1/signatories?limit=10",
)
HOLD = "GET /api/v1/hold HTTP/1.1\r\nHost: x\r\n{headers}\r\n"


class Holding:
    """A server whose `/api/v1/hold` stays inside the app until `release` is set, with two
    slots per client, and a wait in line of half a second."""

    def __init__(self, base: str, entered: threading.Semaphore, release: threading.Event):
        self.base = base
        self.entered = entered
        self.release = release

    def hold(self, stack: ExitStack, address: str, headers: str = "") -> socket:
        """A request from `address` that is inside the app when this returns."""
        sock = stack.enter_context(raw_request(self.base, HOLD.format(headers=headers), address))
        assert self.entered.acquire(timeout=10)
        return sock

    def get(self, address: str, headers: dict[str, str] | None = None) -> int:
        """The status of a quick read from `address`."""
        transport = httpx.HTTPTransport(local_address=address)
        with httpx.Client(base_url=self.base, transport=transport, timeout=10) as http:
            return http.get("/api/v1/sectors/energy", headers=headers).status_code


@pytest.fixture
def holding(seeded_url: str) -> Iterator[Holding]:
    entered, release = threading.Semaphore(0), threading.Event()
    settings = Settings(database_url=seeded_url, max_requests_per_client=2, queue_wait_seconds=0.5)
    app = create_app(settings)

    async def hold() -> dict[str, str]:
        entered.release()
        await anyio.to_thread.run_sync(release.wait)
        return {}

    app.add_api_route("/api/v1/hold", hold)
    with serve(seeded_url, app=app) as base:
        try:
            yield Holding(base, entered, release)
        finally:
            release.set()


def test_an_address_holds_at_most_its_share_of_the_slots(holding: Holding) -> None:
    """Two requests from an address are inside: its third waits its turn (a 503 after the
    wait), while another address is served at once."""
    with ExitStack() as stack:
        held = [holding.hold(stack, "127.0.0.2") for _ in range(2)]
        assert holding.get("127.0.0.3") == 200
        assert holding.get("127.0.0.2") == 503
        holding.release.set()
        assert [read_status(sock) for sock in held] == [200, 200]


def test_a_key_holds_at_most_its_share_of_the_slots_from_any_address(holding: Holding) -> None:
    """Two requests presenting a key are inside, from two addresses: a third with that key
    waits its turn (a 503 after the wait) from a third address, where a request without it
    is served at once."""
    key = "X-API-Key: tk_shared\r\n"
    with ExitStack() as stack:
        held = [holding.hold(stack, address, key) for address in ("127.0.0.2", "127.0.0.3")]
        assert holding.get("127.0.0.4") == 200
        assert holding.get("127.0.0.4", {"X-API-Key": "tk_shared"}) == 503
        holding.release.set()
        assert [read_status(sock) for sock in held] == [200, 200]


@pytest.fixture(scope="module")
def large_url(
    db_url: str, seeded_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The seeds and 20,000 synthetic agreements (their CSV download is about 5 MB, far more
    than the socket buffers between a server and a client that stopped reading)."""
    folder: Path = tmp_path_factory.mktemp("large")
    with scratch_database(db_url, folder, "large", template=seeded_template) as url:
        engine = make_engine(url)
        synthesize(engine, 20_000, seed=1)
        engine.dispose()
        yield url


def stalled_downloads(stack: ExitStack, base: str, count: int) -> list[int]:
    """`count` downloads of the agreements, each on a connection of its own from one of the
    `READERS` in turn, whose client reads the first few kB (the response has started, and
    its first batch of rows is made) and no more: the statuses they got."""
    statuses = []
    for i in range(count):
        head, address = DOWNLOADS[i % len(DOWNLOADS)], READERS[i % len(READERS)]
        sock = stack.enter_context(raw_request(base, head, address, receive_buffer=4096))
        statuses.append(read_status(sock))
        if statuses[-1] == 200:
            receive(sock, 4096)
    return statuses


def receive(sock: socket, count: int) -> None:
    """Read `count` bytes more from `sock` (fewer if it closes)."""
    while count > 0 and (chunk := sock.recv(count)):
        count -= len(chunk)


def normal_reads(base: str, seconds: float) -> tuple[Counter[int], list[float]]:
    """A client of its own address reading one page or record after another for `seconds`,
    after one read of each (not counted: a route's first answer costs more, FastAPI builds
    its validators then): the statuses it got and how long each read took."""
    statuses: Counter[int] = Counter()
    took: list[float] = []
    transport = httpx.HTTPTransport(local_address=NORMAL)
    with httpx.Client(base_url=base, transport=transport, timeout=30) as http:
        for path in READS:
            http.get(path)
        deadline = time.monotonic() + seconds
        for path in cycle(READS):
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            statuses[http.get(path).status_code] += 1
            took.append(time.perf_counter() - started)
    return statuses, took


def p99(seconds: list[float]) -> float:
    """The 99th percentile (nearest rank)."""
    return sorted(seconds)[math.ceil(0.99 * len(seconds)) - 1]


def transactions_waiting(database_url: str) -> int:
    """Connections to the database (PostgreSQL) idle in a transaction for over a second:
    transactions held open while their client takes its time."""
    engine = make_engine(database_url)
    with engine.connect() as conn:
        waiting = conn.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND state LIKE 'idle in transaction%' "
                "AND state_change < clock_timestamp() - interval '1 second'"
            )
        ).scalar_one()
    engine.dispose()
    return waiting


def write_key(database_url: str) -> str:
    """A new write key's secret."""
    engine = make_engine(database_url)
    with transaction(engine) as session:
        _, secret = create_key(session, "slow-writer", "write")
    engine.dispose()
    return secret


def slow_write(stack: ExitStack, base: str, key: str, sector: str) -> tuple[socket, bytes]:
    """A keyed POST of a new sector from `WRITERS` that has sent half its body: its socket,
    and the half still to send."""
    body = orjson.dumps({"id": sector, "name": sector, "parent": "energy"})
    head = (
        f"POST /api/v1/sectors HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    sock = stack.enter_context(raw_request(base, head, WRITERS))
    sock.sendall(body[: len(body) // 2])
    return sock, body[len(body) // 2 :]


def test_slow_readers_and_writers_leave_the_server_to_everyone_else(large_url: str) -> None:
    """32 downloads of 20,000 agreements whose clients stopped reading, from eight addresses
    (twice the admission slots, each address within its share), and 16 writes from one key
    whose bodies stopped half way: each download starts, and meanwhile another client's
    reads are all answered, 99% of them within 3 s, and no transaction waits on a slow
    client; then each write, its body sent, is made."""
    key = write_key(large_url)
    with (
        serve(
            large_url, send_buffer=16_384, rate_limit_anonymous="off", rate_limit_keyed="off"
        ) as base,
        ExitStack() as clients,
    ):
        downloads = stalled_downloads(clients, base, 32)
        writes = [slow_write(clients, base, key, f"slow-{i}") for i in range(16)]
        statuses, took = normal_reads(base, seconds=2)
        waiting = transactions_waiting(large_url) if large_url.startswith("postgresql") else 0
        for sock, rest in writes:
            sock.sendall(rest)
        written = [read_status(sock) for sock, _ in writes]
    print(f"{sum(statuses.values())} reads, p99 {p99(took):.3f} s; {waiting} transactions waiting")
    assert downloads == [200] * 32
    assert set(statuses) == {200}, statuses
    # A read waiting on a stalled client would never finish (they stay stalled until the
    # reads are done): 3 s is that bound with room for a busy machine (a CI run with both
    # databases' suites on two cores saw 1.7 s; alone it is 0.01-0.1 s).
    assert p99(took) < 3.0
    assert waiting == 0
    assert written == [201] * 16


def test_bodies_being_sent_hold_no_slot(seeded_url: str) -> None:
    """16 writes from one key whose bodies stopped half way (four times its share): another
    write with that key is made at once, and then each of them, its body sent."""
    key = write_key(seeded_url)
    with serve(seeded_url) as base, ExitStack() as stack:
        writes = [slow_write(stack, base, key, f"slow-{i}") for i in range(16)]
        transport = httpx.HTTPTransport(local_address=NORMAL)
        with httpx.Client(base_url=base, transport=transport, timeout=30) as http:
            other = http.post(
                "/api/v1/sectors",
                json={"id": "other", "name": "Other", "parent": "energy"},
                headers={"Authorization": f"Bearer {key}"},
            )
        for sock, rest in writes:
            sock.sendall(rest)
        written = [read_status(sock) for sock, _ in writes]
    assert (other.status_code, written) == (201, [201] * 16)


def test_a_body_that_does_not_arrive_in_time_is_a_408(seeded_url: str) -> None:
    """A write whose body stops half way is answered 408, a problem, once the body's
    deadline has passed, and its connection is closed."""
    key = write_key(seeded_url)
    with serve(seeded_url, body_timeout_seconds=0.5) as base, ExitStack() as stack:
        sock, _ = slow_write(stack, base, key, "late")
        response = b""
        while chunk := sock.recv(65536):
            response += chunk
    head, _, body = response.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 408 ")
    assert b"connection: close" in head.lower()
    assert orjson.loads(body)["type"] == "/problems/request-timeout"

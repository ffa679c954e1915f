"""Slow clients cannot starve the others, on a real server (uvicorn on loopback): a client
holds at most its share of the admission slots.

Each client comes from an address of its own on the loopback network (127.0.0.x), as
clients on the internet would."""

import threading
from collections.abc import Iterator
from contextlib import ExitStack
from socket import socket

import anyio.to_thread
import httpx
import pytest

from app.config import Settings
from app.main import create_app
from tests.servers import raw_request, read_status, serve

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

"""Real servers for tests that need separate connections: a seeded database and the app
served by uvicorn in a thread, or by `treaty-api serve` in a subprocess, on loopback."""

import os
import socket
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.engine import make_url

from app.config import Settings, get_settings
from app.db import make_engine, migrate, transaction
from app.main import create_app
from app.middleware.request_target import RequestTargetProtocol
from app.seeding.load import load_seeds
from app.seeding.write import write_seeds


@contextmanager
def scratch_database(
    db_url: str, folder: Path, name: str, template: str | None = None
) -> Iterator[str]:
    """A database of the same kind as `db_url`, empty or a copy of `template` (a database
    of that kind that nobody is connected to): a file in `folder` on SQLite, a database
    `<test database>_<name>` on PostgreSQL, dropped afterwards."""
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        path = folder / f"{name}.sqlite"
        if template:
            _copy_sqlite(make_url(template).database, path)
        yield f"sqlite:///{path}"
        return
    database = f"{url.database}_{name}"
    copy = f' TEMPLATE "{make_url(template).database}"' if template else ""
    admin = make_engine(db_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
        conn.execute(text(f'CREATE DATABASE "{database}"{copy}'))
    try:
        yield url.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def _copy_sqlite(source: str | None, target: Path) -> None:
    """SQLite's online backup: a consistent copy, whatever the source's journal holds."""
    with (
        closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as reader,
        closing(sqlite3.connect(target)) as writer,
    ):
        reader.backup(writer)


def seed_database(database_url: str) -> None:
    """Migrate and seed the database at `database_url`, committed."""
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    with transaction(engine) as session:
        write_seeds(session, load_seeds(get_settings().seeds_dir))
    engine.dispose()


def _wait_for_health(url: str, alive: Callable[[], bool], attempts: int = 50) -> None:
    for _ in range(attempts):
        if not alive():
            raise RuntimeError("the server exited before answering /health")
        try:
            if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            continue
    raise RuntimeError("the app did not answer /health")


@contextmanager
def serve(
    database_url: str,
    app: FastAPI | None = None,
    send_buffer: int | None = None,
    **settings: Any,
) -> Iterator[str]:
    """The app (by default `create_app` with `settings`) on a free loopback port; yields its
    base URL. `send_buffer` caps the kernel's send buffer of each connection, in bytes (they
    inherit the listening socket's): a client that stops reading then holds up the server's
    sends after less data (Linux lets the buffer grow to 4 MB, most of a large download).

    The listening socket is bound before the thread starts, so connections wait in its
    backlog until uvicorn accepts them: /health is polled without sleeping."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if send_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, send_buffer)
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    app = app or create_app(Settings(database_url=database_url, **settings))
    config = uvicorn.Config(app, http=RequestTargetProtocol, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        _wait_for_health(url, thread.is_alive)
        yield url
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
        app.state.engine.dispose()
        app.state.health_engine.dispose()


def raw_request(
    base: str, head: str, address: str = "127.0.0.1", receive_buffer: int | None = None
) -> socket.socket:
    """A socket from `address` (any of 127.0.0.0/8 reaches a server on loopback, and each is
    a client of its own to the server) that has sent `head` (request line and headers) and
    nothing more. `receive_buffer` caps the kernel's receive buffer, in bytes: a client that
    stops reading then holds up the server's sends after less data."""
    host, port = base.removeprefix("http://").split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.settimeout(15)
    if receive_buffer is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, receive_buffer)
    sock.bind((address, 0))
    sock.connect((host, int(port)))
    sock.sendall(head.encode("latin-1"))
    return sock


def exchange(base: str, request: bytes) -> tuple[bytes, bytes]:
    """The head and body of the answer to `request`, sent as is on a new connection."""
    with raw_request(base, "") as sock:
        sock.sendall(request)
        head, _, body = read_answer(sock).partition(b"\r\n\r\n")
    return head, body


def read_answer(sock: socket.socket) -> bytes:
    """One whole answer (head and a body of its Content-Length) from `sock`."""
    received = b""
    while not _complete(received):
        received += sock.recv(65536)
    return received


def _complete(received: bytes) -> bool:
    head, blank, body = received.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n")[1:] if blank else []:
        name, _, value = line.partition(b":")
        if name.lower() == b"content-length":
            return len(body) >= int(value)
    return False


def read_status(sock: socket.socket) -> int:
    """The status of the response arriving on `sock` (reading little more than its first
    line)."""
    data = b""
    while b"\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return int(data.split(b" ", 2)[1])


@contextmanager
def serve_workers(
    database_url: str, workers: int, flags: bool = True, **environment: str
) -> Iterator[str]:
    """`treaty-api serve --workers N` in a subprocess on a free loopback port; yields its
    base URL. `environment` adds variables (e.g. `RATE_LIMIT_KEYED="off"`). Without `flags`
    the port and workers are given as a platform gives them: PORT and WEB_CONCURRENCY.

    The port is found by binding port 0 and closing it, so another process could take it
    in between; /health is polled, each miss waiting on the process for 0.2 s."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [sys.executable, "-c", "from app.cli import cli; cli()", "serve"]
    address = {"PORT": str(port), "WEB_CONCURRENCY": str(workers)}
    if flags:
        command += ["--port", address.pop("PORT"), "--workers", address.pop("WEB_CONCURRENCY")]
    env = {**os.environ, "DATABASE_URL": database_url, **address, **environment}
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )

    def alive() -> bool:
        try:
            process.wait(timeout=0.2)
        except subprocess.TimeoutExpired:
            return True
        return False

    try:
        _wait_for_health(f"http://127.0.0.1:{port}", alive, attempts=150)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=30)

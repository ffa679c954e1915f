"""A throwaway PostgreSQL primary and its streaming replica, for the read-replica tests.

Both clusters are made with `initdb` and `pg_basebackup -R` in a temporary directory, listen
on free loopback ports, and are stopped and removed afterwards, also on failure. A test may
stop, freeze (SIGSTOP) and restart either server. The PostgreSQL under test is not
replicated: its pg_hba.conf need not allow replication. initdb refuses to run as root, so as
root the tools run as the `postgres` OS user.
"""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from glob import glob
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from app.config import Settings
from app.curation.keys import create_key
from app.db import make_engine, transaction
from app.main import create_app
from tests.servers import seed_database, serve

DATABASE = "treaty_replicated"
READY_SECONDS = 20.0


def _as_postgres() -> list[str]:
    """initdb and the server refuse to run as root: as root, run them as `postgres`."""
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _run(*command: str) -> None:
    done = subprocess.run([*_as_postgres(), *command], capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed: {done.stderr or done.stdout}")


@dataclass
class Server:
    """One PostgreSQL server of the cluster, which a test may stop, freeze and restart."""

    bin_dir: Path
    data_dir: Path
    port: int
    frozen: list[int] = field(default_factory=list)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.data_dir.parent} -c listen_addresses=127.0.0.1"
        # A replica whose primary went away asks again every 0.2 s (not 5): tests restart both.
        options += " -c wal_level=replica -c fsync=off -c wal_retrieve_retry_interval=200"
        log = str(self.data_dir.parent / f"{self.data_dir.name}.log")
        pg_ctl = str(self.bin_dir / "pg_ctl")
        _run(pg_ctl, "-D", str(self.data_dir), "-l", log, "-o", options, "start", "-w")

    def stop(self, mode: str = "fast") -> None:
        """Stop the server (`fast`: its sessions are ended; `immediate`: as a crash)."""
        self.thaw()
        _run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", mode, "stop", "-w")

    def freeze(self) -> None:
        """SIGSTOP the server and every process it started: it still accepts TCP
        connections (its kernel does) but answers nothing, neither new nor open ones."""
        postmaster = int((self.data_dir / "postmaster.pid").read_text().split()[0])
        self.frozen = [postmaster, *_children(postmaster)]
        for pid in self.frozen:
            os.kill(pid, signal.SIGSTOP)

    def thaw(self) -> None:
        for pid in self.frozen:
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGCONT)
        self.frozen = []


def _children(parent: int) -> list[int]:
    """The processes whose parent is `parent` (a server's backends and helpers)."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        with suppress(OSError):
            fields = dict(
                line.split(":\t", 1) for line in status.read_text().splitlines() if ":\t" in line
            )
            if fields.get("PPid", "").strip() == str(parent):
                found.append(int(status.parent.name))
    return found


@dataclass(frozen=True)
class ReplicatedDatabase:
    primary_url: str
    replica_url: str
    primary: Server
    replica: Server


def postgres_bin() -> Path | None:
    """The directory of initdb, pg_ctl and pg_basebackup, if they are installed."""
    for candidate in [os.environ.get("PG_BIN_DIR", ""), *sorted(glob("/usr/lib/postgresql/*/bin"))]:
        if candidate and all(
            (Path(candidate) / tool).exists() for tool in ("initdb", "pg_ctl", "pg_basebackup")
        ):
            return Path(candidate)
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _url(port: int, database: str) -> str:
    return f"postgresql+psycopg://postgres@127.0.0.1:{port}/{database}"


def wait_until(condition: Callable[[], bool], what: str, seconds: float = READY_SECONDS) -> None:
    """Poll `condition` (a query of another process's state) until it holds, or fail."""
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise RuntimeError(f"gave up waiting: {what}")
        time.sleep(0.05)


def is_streaming(replica: Engine) -> bool:
    with replica.connect() as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT pg_is_in_recovery() AND EXISTS "
                    "(SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')"
                )
            ).scalar()
        )


def has_replayed(replica: Engine, position: str) -> bool:
    with replica.connect() as conn:
        query = text("SELECT pg_last_wal_replay_lsn() >= CAST(:p AS pg_lsn)")
        return bool(conn.execute(query, {"p": position}).scalar())


@contextmanager
def replicated_database(bin_dir: Path) -> Iterator[ReplicatedDatabase]:
    """A primary with an empty database `DATABASE`, and a replica streaming from it."""
    root = Path(tempfile.mkdtemp(prefix="treaty-replica-"))
    if _as_postgres():
        shutil.chown(root, "postgres", "postgres")
    primary = Server(bin_dir, root / "primary", _free_port())
    replica = Server(bin_dir, root / "replica", _free_port())
    started: list[Server] = []
    try:
        _run(
            str(bin_dir / "initdb"),
            "-D",
            str(primary.data_dir),
            "-U",
            "postgres",
            "-A",
            "trust",
            "--no-sync",
        )
        with open(primary.data_dir / "pg_hba.conf", "a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        primary.start()
        started.append(primary)
        admin = make_engine(_url(primary.port, "postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {DATABASE}"))
        admin.dispose()
        source = ["-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres"]
        _run(
            str(bin_dir / "pg_basebackup"), "-R", *source, "-D", str(replica.data_dir), "-c", "fast"
        )
        replica.start()
        started.append(replica)
        database = ReplicatedDatabase(
            _url(primary.port, DATABASE), _url(replica.port, DATABASE), primary, replica
        )
        wait_for_streaming(database)
        yield database
    finally:
        for server in reversed(started):
            server.thaw()
            with suppress(RuntimeError):
                server.stop("immediate")
        shutil.rmtree(root, ignore_errors=True)


def wait_for_streaming(database: ReplicatedDatabase) -> None:
    """Until the replica answers and streams from the primary (after a start or restart)."""
    replica = make_engine(database.replica_url)

    def streaming() -> bool:
        try:
            return is_streaming(replica)
        except OperationalError:
            return False

    try:
        wait_until(streaming, "the replica streams from the primary")
    finally:
        replica.dispose()


@dataclass(frozen=True)
class Deployment:
    """The app serving a seeded primary's writes and its streaming replica's reads."""

    url: str
    app: FastAPI
    database: ReplicatedDatabase
    replica: Engine  # autocommit, to pause and resume replay
    write_key: str


@contextmanager
def deployed(writer: str, **settings: Any) -> Iterator[Deployment]:
    """A throwaway primary and replica, the primary seeded with a write key named `writer`,
    and the app (made with `settings`) serving them on a free port. Skips the test when
    PostgreSQL's server binaries are missing."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        pytest.skip("PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup) are missing")
    with replicated_database(bin_dir) as database:
        seed_database(database.primary_url)
        primary = make_engine(database.primary_url)
        with transaction(primary) as session:
            write_key = create_key(session, writer, "write")[1]
        primary.dispose()
        replica = make_engine(database.replica_url, isolation_level="AUTOCOMMIT")
        app = create_app(
            Settings(
                database_url=database.primary_url,
                read_database_url=database.replica_url,
                **settings,
            )
        )
        try:
            with serve(database.primary_url, app=app) as url:
                yield Deployment(url, app, database, replica, write_key)
        finally:
            app.state.read_engine.dispose()
            replica.dispose()

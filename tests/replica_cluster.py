"""A throwaway PostgreSQL primary and its streaming replica, for the read-replica tests.

Both clusters are made with `initdb` and `pg_basebackup -R` in a temporary directory, listen
on free loopback ports, and are stopped and removed afterwards, also on failure. The
PostgreSQL under test is not replicated: its pg_hba.conf need not allow replication. initdb
refuses to run as root, so as root the tools run as the `postgres` OS user.
"""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from glob import glob
from pathlib import Path

from sqlalchemy import Engine, text

from app.db import make_engine

DATABASE = "treaty_replicated"
READY_SECONDS = 20.0


@dataclass(frozen=True)
class ReplicatedDatabase:
    primary_url: str
    replica_url: str


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
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="treaty-replica-"))
    if as_postgres:
        shutil.chown(root, "postgres", "postgres")

    def run(*command: str) -> None:
        done = subprocess.run([*as_postgres, *command], capture_output=True, text=True)
        if done.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed: {done.stderr or done.stdout}")

    primary_dir, replica_dir = root / "primary", root / "replica"
    started: list[Path] = []

    def start(data_dir: Path, port: int) -> None:
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c wal_level=replica"
        options += " -c fsync=off"
        log = str(root / f"{data_dir.name}.log")
        run(str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-l", log, "-o", options, "start", "-w")
        started.append(data_dir)

    try:
        primary_port, replica_port = _free_port(), _free_port()
        initdb = [str(bin_dir / "initdb"), "-D", str(primary_dir), "-U", "postgres"]
        run(*initdb, "-A", "trust", "--no-sync")
        with open(primary_dir / "pg_hba.conf", "a") as hba:
            hba.write("host replication all 127.0.0.1/32 trust\n")
        start(primary_dir, primary_port)
        admin = make_engine(_url(primary_port, "postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f"CREATE DATABASE {DATABASE}"))
        admin.dispose()
        source = ["-h", "127.0.0.1", "-p", str(primary_port), "-U", "postgres"]
        run(str(bin_dir / "pg_basebackup"), "-R", *source, "-D", str(replica_dir), "-c", "fast")
        start(replica_dir, replica_port)
        replica = make_engine(_url(replica_port, DATABASE))
        try:
            wait_until(lambda: is_streaming(replica), "the replica streams from the primary")
        finally:
            replica.dispose()
        yield ReplicatedDatabase(_url(primary_port, DATABASE), _url(replica_port, DATABASE))
    finally:
        for data_dir in reversed(started):
            stop = [str(bin_dir / "pg_ctl"), "-D", str(data_dir), "-m", "immediate", "stop"]
            subprocess.run([*as_postgres, *stop], capture_output=True)
        shutil.rmtree(root, ignore_errors=True)

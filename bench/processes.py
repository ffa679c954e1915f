"""The bench's servers as processes: start one in its own process group, wait until it
answers, measure its CPU and memory, let it settle between loads, stop it (and every server
still running at exit, on error and on Ctrl-C)."""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DATA = ROOT / "bench" / "data"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TICK = os.sysconf("SC_CLK_TCK")

_servers: list[subprocess.Popen[bytes]] = []


def stop_all() -> None:
    while _servers:
        stop(_servers[-1])


def on_signal(signum: int, _frame: object) -> None:
    stop_all()
    sys.exit(128 + signum)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(argv: list[str], env: dict[str, str], name: str) -> subprocess.Popen[bytes]:
    """Start a server in its own process group (so its workers are found and stopped with
    it), its output in bench/data/<name>.log."""
    log = open(DATA / f"{name}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        argv, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    _servers.append(proc)
    return proc


def wait_until(proc: subprocess.Popen[bytes], url: str, ok, limit: float = 120) -> None:  # type: ignore[no-untyped-def]
    """Poll `url` (a new connection each time) until `ok(response)`."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited; see its log in bench/data/")  # type: ignore[index]
        try:
            if ok(httpx.get(url, timeout=30)):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} not ready within {limit:.0f} s")


def start(
    argv: list[str], env: dict[str, str], port: int, ready: str, name: str
) -> subprocess.Popen[bytes]:
    """Start a server and wait until `ready` answers 200."""
    proc = launch(argv, env, name)
    wait_until(proc, f"http://127.0.0.1:{port}{ready}", lambda r: r.status_code == 200, 60)
    return proc


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc in _servers:
        _servers.remove(proc)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def group_pids(pgid: int) -> list[int]:
    """The processes of a process group (a server and its workers)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:  # gone meanwhile
                continue
            if int(fields[2]) == pgid:
                pids.append(int(entry.name))
    return pids


def group_cpu_seconds(pgid: int) -> float:
    """User and system CPU time of a process group's live processes."""
    ticks = 0
    for pid in group_pids(pgid):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += int(fields[11]) + int(fields[12])
    return ticks / TICK


def peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of the process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def worker_peak_rss_mb(proc: subprocess.Popen[bytes]) -> float:
    """The largest peak RSS among a server's processes: the server itself with one worker,
    its busiest worker with several (the supervisor holds no data)."""
    return max(peak_rss_mb(pid) for pid in group_pids(proc.pid))


def settle(proc: subprocess.Popen[bytes], database_url: str | None = None) -> None:
    """Wait until the server has worked off the requests wrk left queued (max 120 s), so one
    cell's backlog does not slow the next: its CPU time stops growing and, on PostgreSQL, no
    query of the bench database is still running."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        before = group_cpu_seconds(proc.pid)
        time.sleep(0.5)
        if group_cpu_seconds(proc.pid) - before <= 0.02 and not _pg_busy(database_url):
            return


def _pg_busy(database_url: str | None) -> bool:
    if not database_url or not database_url.startswith("postgresql"):
        return False
    from sqlalchemy import text

    from app.db import make_engine

    database = database_url.rsplit("/", 1)[1]
    engine = make_engine(PG_ADMIN)
    try:
        with engine.connect() as conn:
            return bool(
                conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = :db "
                        "AND state = 'active' AND pid <> pg_backend_pid()"
                    ),
                    {"db": database},
                )
            )
    finally:
        engine.dispose()


def run(argv: list[str], env: dict[str, str] | None = None) -> str:
    out = subprocess.run(
        argv, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True
    )
    if out.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout

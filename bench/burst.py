"""`make burst`: a burst of connections against one worker, on SQLite and PostgreSQL.

For each database it serves the seeded data with `treaty-api serve` (one worker, rate limits
off), loads the VN agreement list with `wrk` at 16 connections, then at 256, for a fixed time
each, and times `/health` right after the burst. Every request goes to 127.0.0.1 and every
server started here is stopped at the end. It checks the targets of the burst test: no 5xx
but 503 (load shedding, with `Retry-After`), at 256 connections at least 80% of the 2xx
throughput at 16, and `/health` within 2 s right after.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.processes import BIN, DATA, PG_ADMIN, free_port, start, stop, stop_all  # noqa: E402

PATH = "/api/v1/agreements?country=VN&limit=20"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/treaty_burst"
# wrk counts answers by status, summed over its threads.
STATUS_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) counts = {} end
function response(status, headers, body) counts[status] = (counts[status] or 0) + 1 end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("counts")) do total[k] = (total[k] or 0) + v end
  end
  for k, v in pairs(total) do io.write(string.format("status %d %d\\n", k, v)) end
end
"""


@dataclass
class Burst:
    connections: int
    statuses: dict[int, int]
    socket_errors: int
    seconds: float

    @property
    def ok_per_second(self) -> float:
        ok = sum(n for status, n in self.statuses.items() if status < 400)
        return ok / self.seconds

    @property
    def server_errors(self) -> int:
        """5xx answers other than 503 (load shedding)."""
        return sum(n for status, n in self.statuses.items() if status >= 500 and status != 503)


def wrk(url: str, connections: int, seconds: int) -> Burst:
    assert url.startswith("http://127.0.0.1:"), url
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(STATUS_SCRIPT)
    try:
        out = subprocess.run(
            ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "30s",
             "-s", script.name, url],
            capture_output=True, text=True, check=True, timeout=seconds + 120,
        ).stdout  # fmt: skip
    finally:
        os.unlink(script.name)
    statuses = {int(s): int(n) for s, n in re.findall(r"^status (\d+) (\d+)$", out, re.M)}
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    socket_errors = sum(int(n) for n in errors.groups()) if errors else 0
    return Burst(connections, statuses, socket_errors, seconds)


def health_seconds(base: str) -> float:
    started = time.perf_counter()
    try:
        httpx.get(f"{base}/health", timeout=90).raise_for_status()
    except httpx.HTTPError:
        return float("inf")
    return time.perf_counter() - started


def prepare(database_url: str) -> None:
    """Migrate and seed the database (the curated records only), creating it on PostgreSQL."""
    from sqlalchemy import make_url, text

    from app.db import make_engine

    url = make_url(database_url)
    if url.get_backend_name() == "postgresql":
        admin = make_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            exists = "SELECT 1 FROM pg_database WHERE datname = :name"
            if not conn.scalar(text(exists), {"name": url.database}):
                conn.execute(text(f'CREATE DATABASE "{url.database}"'))
        admin.dispose()
    env = {**os.environ, "DATABASE_URL": database_url}
    for command in (["db", "upgrade"], ["seed"]):
        subprocess.run([BIN / "treaty-api", *command], env=env, check=True, capture_output=True)


def bench(name: str, database_url: str, seconds: int) -> list[str]:
    prepare(database_url)
    port = free_port()
    env = {"DATABASE_URL": database_url, "RATE_LIMIT_ANONYMOUS": "off", "RATE_LIMIT_KEYED": "off"}
    argv = [str(BIN / "treaty-api"), "serve", "--port", str(port), "--workers", "1"]
    proc = start(argv, env, port, "/health", f"burst-{name}")
    base = f"http://127.0.0.1:{port}"
    try:
        calm = wrk(base + PATH, 16, seconds)
        burst = wrk(base + PATH, 256, seconds)
        health = health_seconds(base)
    finally:
        stop(proc)
    ratio = burst.ok_per_second / calm.ok_per_second if calm.ok_per_second else 0.0
    verdict = "met" if burst.server_errors == 0 and ratio >= 0.8 and health <= 2 else "NOT met"
    return [
        f"| {name} | {calm.ok_per_second:.0f} | {burst.ok_per_second:.0f} ({ratio:.0%}) "
        f"| {burst.statuses.get(503, 0)} | {burst.server_errors + calm.server_errors} "
        f"| {burst.socket_errors} | {health:.2f} s | {verdict} |"
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="Duration of each wrk run.")
    parser.add_argument("--postgres", default=PG_URL, help="PostgreSQL URL ('' to skip).")
    args = parser.parse_args()
    DATA.mkdir(parents=True, exist_ok=True)
    lines = [
        "| database | 2xx/s at 16 | 2xx/s at 256 | 503 | other 5xx | socket errors "
        "| /health after | target |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    try:
        lines += bench("SQLite", f"sqlite:///{DATA / 'burst.sqlite'}", args.seconds)
        if args.postgres:
            lines += bench("PostgreSQL", args.postgres, args.seconds)
    finally:
        stop_all()
    print("\n".join(lines))


if __name__ == "__main__":
    main()

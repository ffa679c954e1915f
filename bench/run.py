"""`make bench`: treaty-api against Datasette, a raw ceiling and itself on PostgreSQL.

For each N (10k, 100k, 1M agreements; `--sizes` overrides) it builds a SQLite file under
bench/data/ with `treaty-api db upgrade`, `seed` and `synth` (a file that already holds N
synthetic agreements is reused) and fills the PostgreSQL database `treaty_bench` the same way,
then starts each server on a loopback port and loads it with `wrk` for a fixed time. Every
request goes to 127.0.0.1. The table goes to stdout and bench/results/latest.md; every server
started here is stopped at the end, on error and on Ctrl-C.
"""

import argparse
import atexit
import os
import platform
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench import queries  # noqa: E402

BIN = Path(sys.executable).parent
DATA = ROOT / "bench" / "data"
RESULTS = ROOT / "bench" / "results"
PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/treaty_bench"
SEED = 1
SECTOR = "energy"
DATE_FROM, DATE_TO = "2000", "2020"
Q = "green hydrogen"
WALK_PAGES = 5  # cursor pages walked before the deep jump
REQUESTS = ("list", "page 1", "deep page", "detail", "q", "/search")

_servers: list[subprocess.Popen[bytes]] = []


# ------------------------------------------------------------------------------- processes


def stop_all() -> None:
    while _servers:
        proc = _servers.pop()
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _on_signal(signum: int, _frame: object) -> None:
    stop_all()
    sys.exit(128 + signum)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(
    argv: list[str], env: dict[str, str], port: int, ready: str, name: str
) -> subprocess.Popen[bytes]:
    """Start a server in its own process group and wait until `ready` answers 200."""
    log = open(DATA / f"{name}.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        argv, cwd=ROOT, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    _servers.append(proc)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{argv[0]} exited; see {log.name}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}{ready}", timeout=5).status_code == 200:
                return proc
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{argv} did not answer on port {port}")


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


def peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of the process, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def run(argv: list[str], env: dict[str, str] | None = None) -> str:
    out = subprocess.run(
        argv, cwd=ROOT, env={**os.environ, **(env or {})}, capture_output=True, text=True
    )
    if out.returncode:
        raise RuntimeError(f"{' '.join(argv)} failed:\n{out.stdout}\n{out.stderr}")
    return out.stdout


# ------------------------------------------------------------------------------- tools


def ensure_tools() -> None:
    if not shutil.which("wrk"):
        print("installing wrk (Debian package) ...", flush=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    if not (BIN / "datasette").exists():
        print("installing datasette into the venv ...", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "datasette"], check=True)


@dataclass
class Result:
    rps: float
    p50: float
    p99: float
    errors: int = 0
    completed: int = 0


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def wrk(url: str, args: argparse.Namespace) -> Result:
    assert url.startswith("http://127.0.0.1:"), url
    out = run(
        ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s",
         "--timeout", "10s", "--latency", url],
    )  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    timeouts = re.search(r"timeout (\d+)", out)
    errors = (int(bad.group(1)) if bad else 0) + (int(timeouts.group(1)) if timeouts else 0)
    done = re.search(r"(\d+) requests in", out)
    return Result(
        rps,
        _ms(p50.group(1)) if p50 else float("nan"),
        _ms(p99.group(1)) if p99 else float("nan"),
        errors,
        int(done.group(1)) if done else 0,
    )


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def settle(proc: subprocess.Popen[bytes], database_url: str | None = None) -> None:
    """Wait until the server has worked off the requests wrk left queued (max 120 s), so one
    cell's backlog does not slow the next: its CPU time stops growing and, on PostgreSQL, no
    query of the bench database is still running."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        before = _cpu_ticks(proc.pid)
        time.sleep(0.5)
        if _cpu_ticks(proc.pid) - before <= 2 and not _pg_busy(database_url):
            return


def _pg_busy(database_url: str | None) -> bool:
    if not database_url or not database_url.startswith("postgresql"):
        return False
    from sqlalchemy import text

    from app.db import make_engine

    engine = make_engine(PG_ADMIN)
    try:
        with engine.connect() as conn:
            return bool(
                conn.scalar(
                    text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = 'treaty_bench' "
                        "AND state = 'active' AND pid <> pg_backend_pid()"
                    )
                )
            )
    finally:
        engine.dispose()


# ------------------------------------------------------------------------------- databases


def sqlite_file(n: int, timings: dict[str, float]) -> Path:
    from app.db import make_engine
    from bench.synth import synthetic_count

    path = DATA / f"treaty-{n}.sqlite"
    env = {"DATABASE_URL": f"sqlite:///{path}"}
    try:
        run([str(BIN / "treaty-api"), "db", "upgrade"], env)
    except RuntimeError:  # a migration that cannot run on a filled file: start afresh
        print(f"  {path.name} does not migrate; rebuilding it", flush=True)
        for stale in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            stale.unlink(missing_ok=True)
        run([str(BIN / "treaty-api"), "db", "upgrade"], env)
    engine = make_engine(env["DATABASE_URL"])
    have = synthetic_count(engine) if _has_table(engine) else -1
    engine.dispose()
    if have != n:
        print(f"  building {path.name} ...", flush=True)
        run([str(BIN / "treaty-api"), "seed"], env)
        started = time.perf_counter()
        run([str(BIN / "treaty-api"), "synth", "--agreements", str(n), "--seed", str(SEED)], env)
        timings[f"synth {n:,} SQLite"] = time.perf_counter() - started
    return path


def postgres(n: int, timings: dict[str, float]) -> str | None:
    from sqlalchemy import text

    from app.db import make_engine
    from bench.synth import synthetic_count

    try:
        admin = make_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = 'treaty_bench'")):
                conn.execute(text('CREATE DATABASE "treaty_bench"'))
        admin.dispose()
    except Exception as exc:  # no server: the PostgreSQL rows are left out
        print(f"  PostgreSQL unavailable ({exc.__class__.__name__}); skipping it", flush=True)
        return None
    env = {"DATABASE_URL": PG_URL}
    run([str(BIN / "treaty-api"), "db", "upgrade"], env)
    engine = make_engine(PG_URL)
    have = synthetic_count(engine) if _has_table(engine) else -1
    engine.dispose()
    if have != n:
        print(f"  filling treaty_bench with {n:,} ...", flush=True)
        run([str(BIN / "treaty-api"), "seed"], env)
        started = time.perf_counter()
        run([str(BIN / "treaty-api"), "synth", "--agreements", str(n), "--seed", str(SEED)], env)
        timings[f"synth {n:,} PostgreSQL"] = time.perf_counter() - started
    return PG_URL


def _has_table(engine) -> bool:  # type: ignore[no-untyped-def]
    from sqlalchemy import inspect

    return inspect(engine).has_table("agreements")


@dataclass
class Workload:
    """The concrete parameters of each request, chosen from the SQLite file."""

    country: str
    detail_id: str
    urls: dict[str, str] = field(default_factory=dict)  # request -> path and query


def workload(path: Path) -> Workload:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    busiest = db.execute(
        "SELECT country_id FROM agreement_parties GROUP BY country_id "
        "ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    n = db.execute("SELECT count(*) FROM agreements WHERE id LIKE 'synth-%'").fetchone()[0]
    width = max(7, len(str(n)))
    detail = f"synth-a-{n // 2 + 1:0{width}d}"
    db.close()
    listing = {
        "country": busiest, "sector": SECTOR, "date_from": DATE_FROM, "date_to": DATE_TO,
        "limit": 20,
    }  # fmt: skip
    return Workload(
        busiest,
        detail,
        {
            "list": "/api/v1/agreements?" + urlencode(listing),
            "page 1": "/api/v1/agreements?limit=20",
            "detail": f"/api/v1/agreements/{detail}",
            "q": "/api/v1/agreements?" + urlencode({"q": Q, "limit": 20}),
            "/search": "/api/v1/search?" + urlencode({"q": Q, "limit": 20}),
        },
    )


def deep_url(base: str, n: int) -> str:
    """A cursor half-way down the unfiltered list (page ~N/40 at 20 a page), from the API.

    The list is walked by `next_cursor` for a few pages (the walk must work), then one
    `offset` request jumps to row N/2 and its `next_cursor` is the deep page benched.
    """
    cursor = None
    with httpx.Client(base_url=base, timeout=600) as client:
        for _ in range(WALK_PAGES):
            params: dict[str, object] = {"limit": 100}
            if cursor:
                params["cursor"] = cursor
            page = client.get("/api/v1/agreements", params=params).raise_for_status().json()
            cursor = page.get("next_cursor")
            if not cursor:
                raise RuntimeError("the list ended during the cursor walk")
        offset = min(n // 2, 1_000_000)
        page = client.get("/api/v1/agreements", params={"limit": 20, "offset": offset})
        cursor = page.raise_for_status().json().get("next_cursor")
        if not cursor:
            raise RuntimeError(f"no next_cursor at offset {offset}")
    return "/api/v1/agreements?" + urlencode({"limit": 20, "cursor": cursor})


# ------------------------------------------------------------------------------- the run


@dataclass
class Row:
    n: int
    system: str
    request: str
    result: Result | None
    note: str = ""


def bench_server(
    base: str,
    urls: dict[str, str],
    args: argparse.Namespace,
    n: int,
    system: str,
    proc: subprocess.Popen[bytes],
    database_url: str | None = None,
) -> list[Row]:
    rows = []
    for request in REQUESTS:
        if request not in urls:
            continue
        url = base + urls[request]
        started = time.perf_counter()
        check = httpx.get(url, timeout=300)  # also warms the caches
        alone_ms = (time.perf_counter() - started) * 1000
        if check.status_code != 200:
            rows.append(Row(n, system, request, None, f"HTTP {check.status_code}"))
            continue
        settle(proc, database_url)
        result = wrk(url, args)
        note = f"{result.errors} errors/timeouts" if result.errors else ""
        if not result.completed:
            note = f"none completed in the {args.duration} s run; one alone took {alone_ms:,.0f} ms"
        print(
            f"  {system:<22} {request:<10} {result.rps:9.1f} req/s  p50 {result.p50:8.2f} ms"
            f"  p99 {result.p99:8.2f} ms {note}",
            flush=True,
        )
        rows.append(Row(n, system, request, result, note))
    return rows


def treaty_api(
    database_url: str, work: Workload, args: argparse.Namespace, n: int, system: str
) -> tuple[list[Row], float]:
    port = free_port()
    proc = start(
        [str(BIN / "treaty-api"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        # The bench is the only client: switch the per-client rate limit off.
        {"DATABASE_URL": database_url, "RATE_LIMIT_ANONYMOUS": "off", "RATE_LIMIT_KEYED": "off"},
        port,
        "/health",
        "treaty-api-" + system.split()[-1].lower(),
    )
    try:
        base = f"http://127.0.0.1:{port}"
        urls = dict(work.urls)
        try:
            urls["deep page"] = deep_url(base, n)
        except (httpx.HTTPError, RuntimeError) as exc:
            print(f"  deep page unavailable: {exc}", flush=True)
        rows = bench_server(base, urls, args, n, system, proc, database_url)
        return rows, peak_rss_mb(proc.pid)
    finally:
        stop(proc)


def sql_urls(path: Path, work: Workload, datasette: bool) -> dict[str, str]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    listing = queries.filtered_list(db, work.country, SECTOR, DATE_FROM, DATE_TO, 20)
    search = queries.text_search(Q, 20)
    db.close()
    if not datasette:
        return {
            "list": "/list?" + urlencode({"country": work.country, "sector": SECTOR,
                                          "date_from": DATE_FROM, "date_to": DATE_TO,
                                          "limit": 20}),
            "q": "/q?" + urlencode({"q": Q, "limit": 20}),
        }  # fmt: skip
    name = path.stem
    return {
        request: f"/{name}.json?"
        + urlencode({"sql": " ".join(sql.split()), **params, "_shape": "array"})
        for request, (sql, params) in (("list", listing), ("q", search))
    }


def datasette(path: Path, work: Workload, args: argparse.Namespace, n: int) -> list[Row]:
    port = free_port()
    proc = start(
        [str(BIN / "datasette"), "serve", "--immutable", str(path), "-h", "127.0.0.1",
         "-p", str(port), "--setting", "sql_time_limit_ms", "10000",
         "--setting", "num_sql_threads", "1"],
        {},
        port,
        "/-/versions.json",
        "datasette",
    )  # fmt: skip
    try:
        return bench_server(
            f"http://127.0.0.1:{port}", sql_urls(path, work, True), args, n, "Datasette", proc
        )
    finally:
        stop(proc)


def ceiling(path: Path, work: Workload, args: argparse.Namespace, n: int) -> list[Row]:
    port = free_port()
    proc = start(
        [str(BIN / "uvicorn"), "bench.ceiling:app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--no-access-log"],
        {"CEILING_DB": str(path)},
        port,
        "/health",
        "ceiling",
    )  # fmt: skip
    try:
        return bench_server(
            f"http://127.0.0.1:{port}",
            sql_urls(path, work, False),
            args,
            n,
            "ceiling (raw ASGI)",
            proc,
        )
    finally:
        stop(proc)


def table(rows: list[Row]) -> str:
    lines = [
        "| N | system | request | req/s | p50 ms | p99 ms | note |",
        "|---:|---|---|---:|---:|---:|---|",
    ]
    for r in rows:
        if r.result is None or not r.result.completed:
            lines.append(f"| {r.n:,} | {r.system} | {r.request} | – | – | – | {r.note} |")
        else:
            x = r.result
            lines.append(
                f"| {r.n:,} | {r.system} | {r.request} | {x.rps:,.1f} | {x.p50:,.2f} | "
                f"{x.p99:,.2f} | {r.note} |"
            )
    return "\n".join(lines)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    mem = int(Path("/proc/meminfo").read_text().split()[1]) // 1024
    return f"{os.cpu_count()} CPU ({cpu}), {mem:,} MB RAM, {platform.platform()}, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--sizes", default="10000,100000,1000000", help="comma-separated N (agreements)"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per cell")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--systems", default="treaty-api,datasette,ceiling,postgres")
    args = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    systems = set(args.systems.split(","))
    if args.no_postgres:
        systems.discard("postgres")

    DATA.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    atexit.register(stop_all)
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    ensure_tools()

    rows: list[Row] = []
    timings: dict[str, float] = {}
    rss: dict[str, float] = {}
    started = datetime.now(UTC)
    try:
        for n in sizes:
            print(f"N = {n:,}", flush=True)
            path = sqlite_file(n, timings)
            work = workload(path)
            if "treaty-api" in systems:
                got, peak = treaty_api(f"sqlite:///{path}", work, args, n, "treaty-api SQLite")
                rows += got
                rss[f"{n:,} SQLite"] = peak
            if "datasette" in systems:
                rows += datasette(path, work, args, n)
            if "ceiling" in systems:
                rows += ceiling(path, work, args, n)
            if "postgres" in systems and (url := postgres(n, timings)):
                got, peak = treaty_api(url, work, args, n, "treaty-api PostgreSQL")
                rows += got
                rss[f"{n:,} PostgreSQL"] = peak
    finally:
        stop_all()
        report = "\n".join(
            [
                "# treaty-api bench",
                "",
                f"- when: {started:%Y-%m-%d %H:%M} UTC",
                f"- machine: {machine()}; load average at the end: "
                + " ".join(f"{x:.2f}" for x in os.getloadavg()),
                f"- command: `{' '.join([Path(sys.executable).name, *sys.argv])}`",
                f"- load: wrk -t{args.threads} -c{args.connections} -d{args.duration}s, "
                "loopback only; one uvicorn worker per server",
                f"- list: country=<busiest> & sector={SECTOR} & date_from={DATE_FROM} & "
                f"date_to={DATE_TO}, limit 20; deep page: the unfiltered list's "
                f"next_cursor at row N/2; q / search: `{Q}`",
                "- treaty-api peak RSS (VmHWM): "
                + (", ".join(f"{k}: {v:.0f} MB" for k, v in rss.items()) or "–"),
                "- synth: "
                + (", ".join(f"{k}: {v:.1f} s" for k, v in timings.items()) or "reused files"),
                "",
                table(rows),
                "",
            ]
        )
        print("\n" + report)
        (RESULTS / "latest.md").write_text(report)
        with tempfile.NamedTemporaryFile("w", dir=RESULTS, delete=False, suffix=".md") as f:
            f.write(report)
        os.replace(f.name, RESULTS / f"{started:%Y%m%dT%H%M%S}.md")


if __name__ == "__main__":
    main()

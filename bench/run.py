"""`make bench`: treaty-api against Datasette, a raw ceiling, itself with two workers and on
PostgreSQL.

For each N (100k and 1M agreements; `--sizes 10000` for a quick run) it builds a SQLite file
under bench/data/ with `treaty-api db upgrade`, `seed`, and `python -m bench.synth` (a file that already holds
N synthetic agreements is reused) and fills the PostgreSQL database `treaty_bench_N`
(`--pg-database`) the same way. Then it starts every server (timing treaty-api's start-up and recording its peak memory),
and loads each request on each server with `wrk` for a fixed time, in `--rounds` interleaved
rounds (every request on every server in turn, then again), keeping each cell's best round.
Every request goes to 127.0.0.1. The table goes to stdout and bench/results/latest.md; every
server started here is stopped at the end, on error and on Ctrl-C.
"""

import argparse
import atexit
import json
import os
import platform
import re
import shutil
import signal
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
from bench.load import Load, Result, wrk  # noqa: E402
from bench.processes import (  # noqa: E402
    BIN,
    DATA,
    PG_ADMIN,
    free_port,
    launch,
    on_signal,
    run,
    settle,
    start,
    stop_all,
    wait_until,
    worker_peak_rss_mb,
)

RESULTS = ROOT / "bench" / "results"
PG_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
PG_DATABASE = "treaty_bench_{n}"
"""One database per size, so that a run over both sizes fills each once and keeps it."""
SEED = 1
PARTY = "VN"
SECTOR = "energy"
DATE_FROM, DATE_TO = "2000", "2020"
FACETS = ("country", "sector", "year", "kind")
Q = "green hydrogen"
WALK_PAGES = 5  # cursor pages walked before the deep jump
REQUESTS = ("VN list", "page 1", "random country", "random page", "list", "facets", "deep page",
            "detail", "q", "/search")  # fmt: skip
RANDOM = ("random country", "random page")
"""Requests whose every request draws its country and page anew (`random_script`)."""
RANDOM_PAGES = 25
"""A random request's page: one of the first RANDOM_PAGES (offset 0 to 480 at 20 a page)."""
SYSTEMS = ("treaty-api", "workers", "datasette", "ceiling", "postgres")
TWO_WORKERS = "treaty-api SQLite, 2 workers"


# ------------------------------------------------------------------------------- tools


def ensure_tools() -> None:
    if not shutil.which("wrk"):
        print("installing wrk (Debian package) ...", flush=True)
        subprocess.run(["apt-get", "update", "-qq"], check=True, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, capture_output=True)
    if not (BIN / "datasette").exists():
        print("installing datasette into the venv ...", flush=True)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "datasette"], check=True)


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
        run([str(BIN / "python"), "-m", "bench.synth", *synth_args(n)], env)
        timings[f"synth {n:,} SQLite"] = time.perf_counter() - started
    return path


def synth_args(n: int) -> list[str]:
    return ["--agreements", str(n), "--seed", str(SEED)]


def postgres(n: int, database: str, timings: dict[str, float]) -> str | None:
    from sqlalchemy import text

    from app.db import make_engine
    from bench.synth import synthetic_count

    try:
        admin = make_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.scalar(
                text("SELECT 1 FROM pg_database WHERE datname = :db"), {"db": database}
            ):
                conn.execute(text(f'CREATE DATABASE "{database}"'))
        admin.dispose()
    except Exception as exc:  # no server: the PostgreSQL rows are left out
        print(f"  PostgreSQL unavailable ({exc.__class__.__name__}); skipping it", flush=True)
        return None
    url = f"{PG_SERVER}/{database}"
    env = {"DATABASE_URL": url}
    run([str(BIN / "treaty-api"), "db", "upgrade"], env)
    engine = make_engine(url)
    have = synthetic_count(engine) if _has_table(engine) else -1
    engine.dispose()
    if have != n:
        print(f"  filling {database} with {n:,} ...", flush=True)
        run([str(BIN / "treaty-api"), "seed"], env)
        started = time.perf_counter()
        run([str(BIN / "python"), "-m", "bench.synth", *synth_args(n)], env)
        timings[f"synth {n:,} PostgreSQL"] = time.perf_counter() - started
        write_out(url)
    return url


def write_out(url: str) -> None:
    """Vacuum, analyze and checkpoint a freshly filled database, so that its writes are
    done before the servers start (in the run of 14:16 UTC the first start-up after the 1M
    fill took 17.9 s, against 10.4-11.2 s alone: the checkpointer was still writing)."""
    from sqlalchemy import text

    from app.db import make_engine

    engine = make_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("VACUUM ANALYZE"))
        conn.execute(text("CHECKPOINT"))
    engine.dispose()


def _has_table(engine) -> bool:  # type: ignore[no-untyped-def]
    from sqlalchemy import inspect

    return inspect(engine).has_table("agreements")


# ------------------------------------------------------------------------------- requests


@dataclass
class Workload:
    """The concrete parameters of each request, chosen from the SQLite file."""

    country: str  # the busiest party, for the busy filter
    detail_id: str
    countries: list[str] = field(default_factory=list)
    """Every country party to an agreement, for the random requests."""

    @property
    def busy(self) -> dict[str, str]:
        return {"country": self.country, "sector": SECTOR, "date_from": DATE_FROM,
                "date_to": DATE_TO}  # fmt: skip

    def treaty_api(self) -> dict[str, str]:
        listing = {**self.busy, "limit": 20}
        return {
            "VN list": "/api/v1/agreements?"
            + urlencode({"country": PARTY, "limit": 20, "include": "parties,sectors"}),
            "page 1": "/api/v1/agreements?limit=20",
            "list": "/api/v1/agreements?" + urlencode(listing),
            "facets": "/api/v1/agreements?" + urlencode({**listing, "facets": ",".join(FACETS)}),
            "detail": f"/api/v1/agreements/{self.detail_id}",
            "q": "/api/v1/agreements?" + urlencode({"q": Q, "limit": 20}),
            "/search": "/api/v1/search?" + urlencode({"q": Q, "limit": 20}),
        }

    def treaty_api_random(self) -> dict[str, list[str]]:
        """Each random request's paths, one per country drawn from (`random_script`)."""
        party = {"limit": 20, "include": "parties,sectors"}
        return {
            "random country": [
                "/api/v1/agreements?" + urlencode({"country": c, **party}) for c in self.countries
            ],
            "random page": ["/api/v1/agreements?limit=20"],
        }

    def ceiling_random(self) -> dict[str, list[str]]:
        return {
            "random country": [
                "/any-party-list?" + urlencode({"country": c, "limit": 20}) for c in self.countries
            ],
            "random page": ["/page-1?limit=20"],
        }

    def ceiling(self) -> dict[str, str]:
        return {
            "VN list": "/party-list?" + urlencode({"country": PARTY, "limit": 20}),
            "page 1": "/page-1?limit=20",
            "list": "/list?" + urlencode({**self.busy, "limit": 20}),
            "facets": "/facets?"
            + urlencode({**self.busy, "limit": 20, "facets": ",".join(FACETS)}),
            "q": "/q?" + urlencode({"q": Q, "limit": 20}),
        }

    def canned(self, db: sqlite3.Connection) -> dict[str, queries.Statement]:
        """The ceiling's statements, for Datasette's canned queries."""
        busy = (self.country, SECTOR, DATE_FROM, DATE_TO)
        return {
            "VN list": queries.party_list(db, PARTY, 20),
            "page 1": queries.first_page(20),
            "random page": queries.first_page(20),
            "random country": queries.any_party_list(db, PARTY, 20),
            "list": queries.filtered_list(db, *busy, 20),
            "q": queries.text_search(Q, 20),
        }


def workload(path: Path) -> Workload:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    busiest = db.execute(
        "SELECT country_id FROM agreement_parties GROUP BY country_id "
        "ORDER BY count(*) DESC LIMIT 1"
    ).fetchone()[0]
    n = db.execute("SELECT count(*) FROM agreements WHERE id LIKE 'synth-%'").fetchone()[0]
    countries = [
        row[0]
        for row in db.execute(
            "SELECT id FROM countries WHERE EXISTS (SELECT 1 FROM agreement_parties "
            "WHERE country_id = countries.id) ORDER BY id"
        )
    ]
    db.close()
    width = max(7, len(str(n)))
    return Workload(busiest, f"synth-a-{n // 2 + 1:0{width}d}", countries)


def random_script(name: str, paths: list[str]) -> Path:
    """A wrk script whose every request draws one of `paths` (a country) and one of the first
    RANDOM_PAGES pages (`offset`), uniformly, so that no server answers one URL from a
    cache; every server's script draws from the same distribution."""
    listed = ",\n".join(json.dumps(path) for path in paths)
    script = DATA / f"random-{name}.lua"
    script.write_text(
        f"local paths = {{\n{listed}\n}}\n"
        "math.randomseed(os.time() + math.floor(os.clock() * 1000000))\n"
        "request = function()\n"
        "  local path = paths[math.random(#paths)]\n"
        f'  return wrk.format(nil, path .. "&offset=" .. 20 * math.random(0, {RANDOM_PAGES - 1}))\n'
        "end\n"
    )
    return script


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


def total_of(body: object) -> tuple[int | None, bool]:
    """The total an answer gives, and whether it is exact (treaty-api caps some)."""
    if isinstance(body, list):  # Datasette's canned query, `_shape=array`
        return (body[0]["total"] if body else 0), True
    assert isinstance(body, dict)
    if "filtered_table_rows_count" in body:  # Datasette's table view
        return body["filtered_table_rows_count"], True
    return body.get("total"), body.get("total_exact", True)


# ------------------------------------------------------------------------------- servers


@dataclass
class Server:
    system: str
    proc: subprocess.Popen[bytes]
    base: str
    urls: dict[str, str]  # request -> path and query
    notes: dict[str, str] = field(default_factory=dict)  # request -> what it does differently
    random: dict[str, list[str]] = field(default_factory=dict)  # request -> `random_script`'s paths
    database_url: str | None = None
    ready_s: float | None = None  # process start -> /health answers
    index_s: float | None = None  # process start -> the counting index answers
    rss_mb: float = float("nan")


def treaty_api(
    database_url: str,
    work: Workload,
    n: int,
    system: str,
    workers: int = 1,
    only: tuple[str, ...] = (),
) -> Server:
    """Start `treaty-api serve` and time its start-up: until `/health` answers, then until
    the counting index answers (an unfiltered total past the SQL cap comes back exact; with
    several workers, that many times in a row, since each worker builds its own)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [str(BIN / "treaty-api"), "serve", "--host", "127.0.0.1", "--port", str(port),
            "--workers", str(workers)]  # fmt: skip
    # The bench is the only client: switch the per-client rate limit off.
    env = {"DATABASE_URL": database_url, "RATE_LIMIT_ANONYMOUS": "off", "RATE_LIMIT_KEYED": "off"}
    name = f"treaty-api-{system.split()[1].rstrip(',').lower()}-{workers}w"
    started = time.perf_counter()
    proc = launch(argv, env, name)
    wait_until(proc, f"{base}/health", lambda r: r.status_code == 200)
    ready_s = time.perf_counter() - started
    in_a_row = 1 if workers == 1 else 10 * workers
    streak = 0

    def built(response: httpx.Response) -> bool:  # each worker answers for itself
        nonlocal streak
        streak = streak + 1 if response.json().get("counting") == "ready" else 0
        return streak >= in_a_row

    index_s = None
    try:
        wait_until(proc, f"{base}/ready", built, 300)
        index_s = time.perf_counter() - started
    except RuntimeError as exc:  # the index is off or failed: the SQL fallback is benched
        print(f"  {system}: counting index not ready ({exc})", flush=True)
    urls = work.treaty_api()
    try:
        urls["deep page"] = deep_url(base, n)
    except (httpx.HTTPError, RuntimeError) as exc:
        print(f"  deep page unavailable: {exc}", flush=True)
    random = work.treaty_api_random()
    urls.update(first_of(random))
    if only:
        urls = {k: v for k, v in urls.items() if k in only}
    return Server(
        system, proc, base, urls, random=random, database_url=database_url, ready_s=ready_s,
        index_s=index_s,
    )  # fmt: skip


def first_of(random: dict[str, list[str]]) -> dict[str, str]:
    """Each random request's first path at offset 0: the one URL checked before its load."""
    return {request: paths[0] + "&offset=0" for request, paths in random.items()}


def datasette(path: Path, work: Workload) -> Server:
    """Datasette serving the ceiling's statements as canned queries, and the facet request
    from its table view (`_facet` counts one column of one table)."""
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    canned = work.canned(db)
    where = queries.busy_filter_where(db, *work.busy.values())
    name = path.stem
    slug = {request: request.lower().replace(" ", "_") for request in canned}
    metadata = DATA / f"datasette-{name}.json"
    sql = {slug[request]: {"sql": " ".join(sql.split())} for request, (sql, _) in canned.items()}
    metadata.write_text(json.dumps({"databases": {name: {"queries": sql}}}, indent=1))
    urls = {
        request: f"/{name}/{slug[request]}.json?"
        + urlencode({**params, "_shape": "array", "_json": queries.JSON_COLUMNS}, doseq=True)
        for request, (_, params) in canned.items()
    }

    def paths(request: str, statements: list[queries.Statement]) -> list[str]:
        shape = {"_shape": "array", "_json": queries.JSON_COLUMNS}
        return [
            f"/{name}/{slug[request]}.json?"
            + urlencode({**{k: v for k, v in p.items() if k != "offset"}, **shape}, doseq=True)
            for _, p in statements
        ]

    random = {
        "random country": paths(
            "random country", [queries.any_party_list(db, c, 20) for c in work.countries]
        ),
        "random page": paths("random page", [canned["random page"]]),
    }
    db.close()
    columns = ("title", "kind", "date", "date_precision", "date_inferred", "visit_id", "provenance")
    urls["facets"] = f"/{name}/agreements.json?" + urlencode(
        {"_where": where, "_facet": "kind", "_sort_desc": "date_start", "_size": 20,
         "_col": columns, "_shape": "objects"},
        doseq=True,
    )  # fmt: skip
    port = free_port()
    proc = start(
        [str(BIN / "datasette"), "serve", "--immutable", str(path), "-h", "127.0.0.1",
         "-p", str(port), "--metadata", str(metadata),
         "--setting", "sql_time_limit_ms", "10000", "--setting", "num_sql_threads", "1",
         "--setting", "facet_time_limit_ms", "10000", "--setting", "suggest_facets", "off",
         "--setting", "default_facet_size", str(queries.FACET_SIZE)],
        {},
        port,
        "/-/versions.json",
        "datasette",
    )  # fmt: skip
    notes = {
        "facets": "`_facet=kind` only: year is an expression of `date`, country and sector "
        "are many-to-many; sorted on `date_start`",
    }
    urls.update(first_of(random))
    return Server("Datasette", proc, f"http://127.0.0.1:{port}", urls, notes, random)


def ceiling(path: Path, work: Workload) -> Server:
    port = free_port()
    proc = start(
        [str(BIN / "uvicorn"), "bench.ceiling:app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning", "--no-access-log"],
        {"CEILING_DB": str(path)},
        port,
        "/health",
        "ceiling",
    )  # fmt: skip
    notes = {"facets": "SQL GROUP BYs over the matches"}
    random = work.ceiling_random()
    urls = {**work.ceiling(), **first_of(random)}
    return Server("ceiling (raw ASGI)", proc, f"http://127.0.0.1:{port}", urls, notes, random)


# ------------------------------------------------------------------------------- the run


@dataclass
class Row:
    n: int
    system: str
    request: str
    result: Result | None
    total: int | None = None
    note: str = ""


def measure(
    servers: list[Server], n: int, load: Load, rounds: int, requests: tuple[str, ...]
) -> list[Row]:
    """Every request on every server, `rounds` times interleaved; each cell's best round."""
    rows: dict[tuple[str, str], Row] = {}
    for round_ in range(1, rounds + 1):
        for request in requests:
            for server in servers:
                if request not in server.urls:
                    continue
                key = (server.system, request)
                url = server.base + server.urls[request]
                if key not in rows:
                    rows[key] = first_look(server, request, url, n)
                row = rows[key]
                if row.note.startswith("HTTP"):
                    continue
                settle(server.proc, server.database_url)
                script = None
                if request in server.random:
                    name = f"{server.system}-{request}".lower().replace(" ", "-")
                    script = random_script(re.sub(r"[^a-z0-9-]", "", name), server.random[request])
                result = wrk(url, load, server.proc.pid, script)
                print(
                    f"  [{round_}/{rounds}] {server.system:<30} {request:<10} "
                    f"{result.rps:9.1f} req/s  p50 {result.p50:8.2f} ms  p99 {result.p99:8.2f} ms"
                    f"  CPU {result.server_cores:.2f} / wrk {result.wrk_cores:.2f}",
                    flush=True,
                )
                if row.result is None or result.rps > row.result.rps:
                    row.result = result
    for server in servers:
        server.rss_mb = worker_peak_rss_mb(server.proc)
    return _ordered(rows, servers, requests)


def first_look(server: Server, request: str, url: str, n: int) -> Row:
    """One request alone: it must answer 200 (and warms the caches); its total is kept."""
    started = time.perf_counter()
    check = httpx.get(url, timeout=300)
    alone_ms = (time.perf_counter() - started) * 1000
    if check.status_code != 200:
        return Row(n, server.system, request, None, note=f"HTTP {check.status_code}")
    total, exact = total_of(check.json()) if request != "detail" else (None, True)
    note = server.notes.get(request, "")
    if total is not None and not exact:
        note = _join(note, "total capped")
    if alone_ms > 1000:
        note = _join(note, f"one alone: {alone_ms:,.0f} ms")
    return Row(n, server.system, request, None, total, note)


def _join(*notes: str) -> str:
    return "; ".join(note for note in notes if note)


def _ordered(
    rows: dict[tuple[str, str], Row], servers: list[Server], requests: tuple[str, ...]
) -> list[Row]:
    """By request, then server; totals checked against treaty-api's, two workers against one."""
    out = []
    for request in requests:
        reference = next(
            (rows[(s.system, request)] for s in servers if (s.system, request) in rows), None
        )
        for server in servers:
            row = rows.get((server.system, request))
            if row is None:
                continue
            if (
                reference
                and row is not reference
                and None not in (row.total, reference.total)
                and row.total != reference.total
            ):
                row.note = _join(row.note, f"total differs from {reference.system}'s")
            if row.result is None or not row.result.completed:
                row.note = _join(row.note, "none completed")
            elif row.result.errors:
                row.note = _join(row.note, f"{row.result.errors} errors/timeouts")
            out.append(row)
    return out


def workers_ratio(rows: list[Row]) -> float | None:
    by = {(r.system, r.request): r.result for r in rows if r.result and r.result.completed}
    one, two = by.get(("treaty-api SQLite", "VN list")), by.get((TWO_WORKERS, "VN list"))
    return two.rps / one.rps if one and two else None


def table(rows: list[Row]) -> str:
    lines = [
        "| N | request | system | req/s | p50 ms | p99 ms | CPU server / wrk | total | note |",
        "|---:|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        total = "" if r.total is None else f"{r.total:,}"
        if r.result is None or not r.result.completed:
            lines.append(
                f"| {r.n:,} | {r.request} | {r.system} | – | – | – | – | {total} | {r.note} |"
            )
            continue
        x = r.result
        lines.append(
            f"| {r.n:,} | {r.request} | {r.system} | {x.rps:,.1f} | {x.p50:,.2f} | {x.p99:,.2f} | "
            f"{x.server_cores:.2f} / {x.wrk_cores:.2f} | {total} | {r.note} |"
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


def servers_for(n: int, path: Path, pg: str | None, systems: set[str]) -> list[Server]:
    """Every server of one size, started one after the other (each start-up alone)."""
    work = workload(path)
    sqlite = f"sqlite:///{path}"
    servers = []
    if "treaty-api" in systems:
        servers.append(treaty_api(sqlite, work, n, "treaty-api SQLite"))
    if "workers" in systems:
        servers.append(treaty_api(sqlite, work, n, TWO_WORKERS, 2, ("VN list",)))
    if "datasette" in systems:
        servers.append(datasette(path, work))
    if "ceiling" in systems:
        servers.append(ceiling(path, work))
    if pg:
        servers.append(treaty_api(pg, work, n, "treaty-api PostgreSQL"))
    return servers


def header(
    args: argparse.Namespace,
    load: Load,
    started: datetime,
    servers: dict[int, list[Server]],
    ratios: dict[int, float | None],
    timings: dict[str, float],
) -> list[str]:
    def startup(s: Server) -> str:
        index = f"{s.index_s:.1f} s" if s.index_s is not None else "not ready"
        return f"{s.system} {s.ready_s:.1f} s → {index}"

    treaty = {
        n: [s for s in group if s.system.startswith("treaty-api")] for n, group in servers.items()
    }
    return [
        "# treaty-api bench",
        "",
        f"- when: {started:%Y-%m-%d %H:%M} UTC",
        f"- machine: {machine()}; load average at the end: "
        + " ".join(f"{x:.2f}" for x in os.getloadavg()),
        f"- command: `{' '.join([Path(sys.executable).name, *sys.argv])}`",
        f"- load: {load}, best of {args.rounds} interleaved round(s) (each round loads every "
        "request on every server in turn), loopback only; one worker per server unless said "
        "(Datasette: one SQL thread)",
        "- CPU server / wrk: cores used during the load (CPU seconds / wall seconds) by the "
        "server's processes and by wrk itself; both share the machine's cores",
        f"- requests: VN list = `country={PARTY}&limit=20&include=parties,sectors`; page 1 = "
        f"unfiltered, limit 20; list = `country=<busiest>&sector={SECTOR}&date_from={DATE_FROM}"
        f"&date_to={DATE_TO}`, limit 20; random country / random page = the VN list for a "
        f"country and page 1 at a page drawn per request (any country party to an agreement, "
        f"one of the first {RANDOM_PAGES} pages, uniformly; a wrk script for every server); "
        f"facets = list + `facets={','.join(FACETS)}`; deep page"
        f" = the unfiltered list's next_cursor at row N/2; q / search = `{Q}`. Every answer "
        "carries its total; ceiling and Datasette run bench/queries.py's statements (exact "
        "totals; q capped as treaty-api's)",
        "- peak RSS (VmHWM, per worker): "
        + (
            "; ".join(
                f"{n:,}: " + ", ".join(f"{s.system} {s.rss_mb:.0f} MB" for s in group)
                for n, group in treaty.items()
            )
            or "–"
        ),
        "- start-up (process start → /health answers → counting index answers): "
        + (
            "; ".join(
                f"{n:,}: " + ", ".join(startup(s) for s in group) for n, group in treaty.items()
            )
            or "–"
        ),
        "- `serve --workers 2` vs one worker, VN list: "
        + ("; ".join(f"{n:,}: {r:.2f}x" for n, r in ratios.items() if r) or "–"),
        "- synth: " + (", ".join(f"{k}: {v:.1f} s" for k, v in timings.items()) or "reused files"),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated N (agreements)")
    parser.add_argument("--duration", type=int, default=10, help="seconds of load per cell")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=1, help="interleaved rounds; best kept")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--pg-database", default=PG_DATABASE, help="filled by the bench; {n} is the size"
    )
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=",".join(SYSTEMS))
    parser.add_argument("--requests", default=",".join(REQUESTS), help=",".join(REQUESTS))
    args = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    systems = set(args.systems.split(","))
    requests = tuple(r for r in REQUESTS if r in args.requests.split(","))
    if args.no_postgres:
        systems.discard("postgres")
    load = Load(args.threads, args.connections, args.duration)

    DATA.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    atexit.register(stop_all)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    ensure_tools()

    rows: list[Row] = []
    timings: dict[str, float] = {}
    servers: dict[int, list[Server]] = {}
    ratios: dict[int, float | None] = {}
    started = datetime.now(UTC)
    try:
        for n in sizes:
            print(f"N = {n:,}", flush=True)
            path = sqlite_file(n, timings)
            database = args.pg_database.format(n=n)
            pg = postgres(n, database, timings) if "postgres" in systems else None
            servers[n] = servers_for(n, path, pg, systems)
            got = measure(servers[n], n, load, args.rounds, requests)
            stop_all()
            ratios[n] = workers_ratio(got)
            for row in got:
                if row.system == TWO_WORKERS and ratios[n]:
                    row.note = _join(row.note, f"{ratios[n]:.2f}x one worker")
            rows += got
    finally:
        stop_all()
        report = "\n".join(
            [*header(args, load, started, servers, ratios, timings), "", table(rows), ""]
        )
        print("\n" + report)
        (RESULTS / "latest.md").write_text(report)
        with tempfile.NamedTemporaryFile("w", dir=RESULTS, delete=False, suffix=".md") as f:
            f.write(report)
        os.replace(f.name, RESULTS / f"{started:%Y%m%dT%H%M%S}.md")


if __name__ == "__main__":
    main()

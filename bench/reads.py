"""Every read of the bench beside page 1, one request at a time, on SQLite and PostgreSQL
(issue 27: the relations of the busiest pair, a busy country's timeline and `/search`
within a few times page 1 on the same server).

    python bench/reads.py [--sizes 100000,1000000] [--requests 31] [--no-postgres]

For each size it takes bench/data/treaty-N.sqlite and the PostgreSQL database
`--pg-database` (built or reused as `make bench` builds them), starts `treaty-api serve` on
each in turn, waits for the counting index, and times each read and page 1 alternately on
one kept-alive connection, after one untimed request of each: medians of `--requests`, in
milliseconds, and each read's median over page 1's (the ratio is the figure to compare:
the machine's speed varies from run to run, the two requests of a pair see the same). The
table goes to stdout and bench/results/reads-latest.md; every server is stopped at the end.
"""

import sys
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.run import PARTY, PG_DATABASE, Q, postgres, sqlite_file, workload  # noqa: E402
from bench.side_by_side import arguments, markdown_table, medians_ms, report_run, served, sizes  # noqa: E402

PAGE_1 = "/api/v1/agreements?limit=20"
HTML = {"Accept": "text/html"}


@dataclass
class Timing:
    size: int
    database: str
    read: str
    path: str
    ms: float
    page_1_ms: float
    total: int | None

    @property
    def ratio(self) -> float:
        return self.ms / self.page_1_ms


def reads(path: Path, base: str) -> dict[str, str]:
    """The reads benched, each a path. The busiest pair is the busiest country (the
    workload's) and its busiest partner; the deep timeline page is the one after a cursor
    half-way down the country's first 10,000 entries."""
    work = workload(path)
    busiest, partner = work.country, busiest_partner(path, work.country)
    timeline = "/api/v1/timeline?" + urlencode({"country": busiest, "limit": 20})
    return {
        f"VN list (`country={PARTY}`)": "/api/v1/agreements?"
        + urlencode({"country": PARTY, "limit": 20, "include": "parties,sectors"}),
        f"relations {busiest}/{partner}": f"/api/v1/relations/{busiest}/{partner}",
        "relations VN/AZ": "/api/v1/relations/VN/AZ",
        f"visits {busiest} to {partner}": f"/api/v1/relations/{busiest}/{partner}/visits",
        f"timeline {busiest}": timeline,
        f"timeline {busiest}, deep cursor": deep_timeline(base, busiest),
        f"timeline {busiest}/{partner}": "/api/v1/timeline?"
        + urlencode({"country": [busiest, partner], "limit": 20}, doseq=True),
        "timeline VN/AZ": "/api/v1/timeline?"
        + urlencode({"country": ["VN", "AZ"], "limit": 20}, doseq=True),
        f"`/search?q={Q}`": "/api/v1/search?" + urlencode({"q": Q, "limit": 20}),
        f"`q={Q}` on the list": "/api/v1/agreements?" + urlencode({"q": Q, "limit": 20}),
        "page `/relations/VN/AZ`": "/relations/VN/AZ",
        f"page `/relations/{busiest}/{partner}`": f"/relations/{busiest}/{partner}",
        "page `/countries/VN`": "/countries/VN",
    }


def busiest_partner(path: Path, country: str) -> str:
    import sqlite3

    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    found = db.execute(
        "SELECT b.country_id FROM agreement_parties a JOIN agreement_parties b "
        "ON a.agreement_id = b.agreement_id AND b.country_id <> a.country_id "
        "WHERE a.country_id = ? AND a.agreement_id IN "
        "(SELECT id FROM agreements ORDER BY id LIMIT 20000) "
        "GROUP BY b.country_id ORDER BY count(*) DESC LIMIT 1",
        (country,),
    ).fetchone()[0]
    db.close()
    return found


def deep_timeline(base: str, country: str) -> str:
    """The country's timeline after the cursor at entry 5,000 (offset 4,980, limit 20)."""
    params = {"country": country, "limit": 20, "offset": 4980}
    with httpx.Client(base_url=base, timeout=600) as client:
        cursor = client.get("/api/v1/timeline", params=params).raise_for_status().json()
    return "/api/v1/timeline?" + urlencode(
        {"country": country, "limit": 20, "cursor": cursor["next_cursor"]}
    )


def read_total(response: httpx.Response) -> int | None:
    """A JSON read's `total` (the relations': `agreements_total`); a page has none."""
    if not response.headers["content-type"].startswith("application/json"):
        return None
    body = response.json()
    return body.get("total", body.get("agreements_total"))


def bench_server(
    n: int, database_url: str, name: str, path: Path, requests: int, only: set[str]
) -> list[Timing]:
    timings = []
    with served(database_url, f"reads-{name.lower()}-{n}", timeout=120) as client:
        for read, each in reads(path, str(client.base_url)).items():
            if only and not any(o in read for o in only):
                continue
            headers = {} if each.startswith("/api/") else HTML
            ms, page_1_ms, first = medians_ms(client, ((each, headers), (PAGE_1, {})), requests)
            timing = Timing(n, name, read, each, ms, page_1_ms, read_total(first))
            print(
                f"  {n:>9,} {name:<10} {read:<40} {ms:8.1f} ms  page 1 {page_1_ms:6.1f} ms  "
                f"{timing.ratio:6.1f}x",
                flush=True,
            )
            timings.append(timing)
    return timings


def table(timings: list[Timing]) -> str:
    columns = {"N": "---:", "database": "---", "read": "---", "ms": "---:", "page 1 ms": "---:"}
    columns |= {"read / page 1": "---:", "total": "---:"}
    return markdown_table(
        columns,
        [
            [
                *(f"{t.size:,}", t.database, t.read, f"{t.ms:,.1f}", f"{t.page_1_ms:.1f}"),
                *(f"{t.ratio:,.1f}x", "" if t.total is None else f"{t.total:,}"),
            ]
            for t in timings
        ],
    )


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--reads", default="", help="comma-separated parts of names")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument(
        "--pg-database", default=PG_DATABASE, help="filled by the bench; {n} is the size"
    )
    args = parser.parse_args()
    only = set(filter(None, args.reads.split(",")))

    def run() -> tuple[list[str], str]:
        timings: list[Timing] = []
        for n in sizes(args.sizes):
            path = sqlite_file(n, {})
            if not args.no_sqlite:
                timings += bench_server(n, f"sqlite:///{path}", "SQLite", path, args.requests, only)
            database = args.pg_database.format(n=n)
            pg = None if args.no_postgres else postgres(n, database, {})
            if pg:
                timings += bench_server(n, pg, "PostgreSQL", path, args.requests, only)
        return [], table(timings)

    report_run(
        "Reads beside page 1",
        "reads-latest.md",
        f"one request at a time, median of {args.requests}, each read and page 1 "
        f"(`{PAGE_1}`) alternately on one connection, one worker",
        run,
    )


if __name__ == "__main__":
    main()

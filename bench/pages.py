"""Each reader's page beside its JSON, one request at a time (issue 25: a page takes at most
twice its JSON's time, and the relationship page at 1M agreements stays under 100 ms).

    python bench/pages.py [--sizes 100000,1000000] [--requests 31]

For each size it takes bench/data/treaty-N.sqlite (built as `make bench` builds it, or
reused), starts `treaty-api serve` on it, waits for the counting index, and times each page
and the JSON that the page names as its `<link rel="alternate" type="application/json">`,
the two alternately on one kept-alive connection, after one untimed request of each: median
of `--requests`, in milliseconds. The
table goes to stdout and bench/results/pages-latest.md; the server is stopped at the end.
"""

import re
import sqlite3
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.run import sqlite_file, workload  # noqa: E402
from bench.side_by_side import arguments, markdown_table, medians_ms, report_run, served, sizes  # noqa: E402

HTML = {"Accept": "text/html"}
JSON = {"Accept": "application/json"}
ALTERNATE = re.compile(
    r'<link[^>]*rel="alternate"[^>]*type="application/json"[^>]*href="([^"]+)"'
    r'|<link[^>]*href="([^"]+)"[^>]*rel="alternate"[^>]*type="application/json"'
)
RELATIONSHIP = "relationship VN/AZ"
RELATIONSHIP_LIMIT_MS = 100.0  # at 1M agreements
RATIO_LIMIT = 2.0


@dataclass
class Timing:
    size: int
    page: str
    path: str
    json_path: str
    page_ms: float
    json_ms: float
    page_kb: float

    @property
    def ratio(self) -> float:
        return self.page_ms / self.json_ms


def first_seed_id(db: sqlite3.Connection, table: str, order: str = "id") -> str:
    """A curated (not synthetic) record of `table`: the benched pages show real ones."""
    row = db.execute(f"SELECT id FROM {table} WHERE id NOT LIKE 'synth-%' ORDER BY {order}")
    return row.fetchone()[0]


def pages(path: Path) -> dict[str, str]:
    """The pages benched, each a path: every kind the reader's view serves."""
    work = workload(path)
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    cited = "(SELECT count(*) FROM citations WHERE source_id = sources.id) DESC, id"
    ids = {
        "visit": first_seed_id(db, "visits", "date_start DESC, id"),
        "signatory": first_seed_id(db, "signatories"),
        "source": first_seed_id(db, "sources", cited),
        "statement": first_seed_id(db, "statements"),
    }
    db.close()
    return {
        "home": "/",
        RELATIONSHIP: "/relations/VN/AZ",
        "agreements": "/agreements",
        "agreements, VN": "/agreements?country=VN",
        "agreement": f"/agreements/{work.detail_id}",
        "visit": f"/visits/{ids['visit']}",
        "signatory": f"/signatories/{ids['signatory']}",
        "country VN": "/countries/VN",
        "source": f"/sources/{ids['source']}",
        "statements": "/statements",
        "statement": f"/statements/{ids['statement']}",
    }


def alternate_json(client: httpx.Client, path: str) -> tuple[str, float]:
    """The JSON a page names as its alternate, and the page's size in kB."""
    response = client.get(path, headers=HTML).raise_for_status()
    found = ALTERNATE.search(response.text)
    if not found:
        raise RuntimeError(f"{path} names no JSON alternate")
    href = (found.group(1) or found.group(2)).replace("&amp;", "&")
    return href, len(response.content) / 1024


def bench_size(n: int, requests: int, only: set[str]) -> list[Timing]:
    path = sqlite_file(n, {})
    timings = []
    with served(f"sqlite:///{path}", f"pages-{n}") as client:
        for name, page in pages(path).items():
            if only and name not in only:
                continue
            json_path, kb = alternate_json(client, page)
            page_ms, json_ms, _ = medians_ms(client, ((page, HTML), (json_path, JSON)), requests)
            timing = Timing(n, name, page, json_path, page_ms, json_ms, kb)
            print(
                f"  {n:>9,} {name:<20} page {page_ms:7.1f} ms  JSON {json_ms:7.1f} ms  "
                f"{timing.ratio:4.2f}x  ({kb:,.0f} kB)",
                flush=True,
            )
            timings.append(timing)
    return timings


def verdicts(timings: list[Timing]) -> list[str]:
    over = [t for t in timings if t.ratio > RATIO_LIMIT]
    lines = [
        f"- over {RATIO_LIMIT:.0f}x its JSON: "
        + (", ".join(f"{t.page} at {t.size:,} ({t.ratio:.2f}x)" for t in over) or "none")
    ]
    largest = max(t.size for t in timings)
    for t in timings:
        if t.page == RELATIONSHIP and t.size == largest:
            verdict = "under" if t.page_ms < RELATIONSHIP_LIMIT_MS else "OVER"
            lines.append(
                f"- relationship page at {t.size:,}: {t.page_ms:.1f} ms, {verdict} "
                f"{RELATIONSHIP_LIMIT_MS:.0f} ms"
            )
    return lines


def table(timings: list[Timing]) -> str:
    columns = {"N": "---:", "page": "---", "path": "---", "page ms": "---:", "JSON ms": "---:"}
    columns |= {"page / JSON": "---:", "page kB": "---:"}
    return markdown_table(
        columns,
        [
            [
                *(f"{t.size:,}", t.page, f"`{t.path}`", f"{t.page_ms:.1f}", f"{t.json_ms:.1f}"),
                *(f"{t.ratio:.2f}x", f"{t.page_kb:,.0f}"),
            ]
            for t in timings
        ],
    )


def main() -> None:
    parser = arguments(__doc__)
    parser.add_argument("--pages", default="", help="comma-separated names (default: all)")
    args = parser.parse_args()
    only = set(filter(None, args.pages.split(",")))

    def run() -> tuple[list[str], str]:
        timings = [t for n in sizes(args.sizes) for t in bench_size(n, args.requests, only)]
        return verdicts(timings), table(timings)

    report_run(
        "Pages beside their JSON",
        "pages-latest.md",
        f"one request at a time, median of {args.requests}, page and JSON alternately; "
        "the JSON is the page's `<link rel=alternate type=application/json>`",
        run,
    )


if __name__ == "__main__":
    main()

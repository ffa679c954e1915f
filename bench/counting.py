"""Totals and facets on a large database, with the counting index and without.

    python bench/counting.py bench/data/treaty-1000000.sqlite [--requests 15]

Starts `treaty-api serve` twice on the given database (COUNTING_INDEX on, then off), each on a
loopback port, and times three requests one at a time (median of `--requests`):

- A: page 1, unfiltered;
- B: country=US & sector=energy & 2000-2020, with its total;
- C: B plus facets country, sector, year and kind;
- the VN list (a smaller country, with parties and sectors embedded) and `q=green hydrogen`,
  which the index does not count (word index and capped SQL count).

It also reports the time from start until the index answers (an exact total past the SQL cap)
and the server's peak resident memory. Every server started here is stopped at the end.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.processes import free_port, peak_rss_mb  # noqa: E402

LIST = "/api/v1/agreements"
B = {"country": "US", "sector": "energy", "date_from": "2000", "date_to": "2020"}
REQUESTS = {
    "A: page 1": {},
    "B: busy filter + total": B,
    "C: B + 4 facets": {**B, "facets": ["country", "sector", "year", "kind"]},
    "VN list": {"country": "VN", "include": ["parties", "sectors"]},
    "q: green hydrogen": {"q": "green hydrogen"},
}


def timed(client: httpx.Client, params: dict[str, object], n: int) -> tuple[float, bool]:
    """Median milliseconds of `n` requests, and whether the total was exact."""
    times, exact = [], True
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(LIST, params=params)
        times.append((time.perf_counter() - start) * 1000)
        response.raise_for_status()
        exact = response.json()["total_exact"]
    return statistics.median(times), exact


def serve(database: Path, index: bool) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "COUNTING_INDEX": "true" if index else "false",
        "RATE_LIMIT_ANONYMOUS": "off",
    }
    argv = [str(Path(sys.executable).parent / "treaty-api"), "serve", "--port", str(port)]
    proc = subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    return proc, f"http://127.0.0.1:{port}"


def wait_until(test: Callable[[], bool], limit: float = 120) -> None:
    deadline = time.perf_counter() + limit
    while time.perf_counter() < deadline:
        try:
            if test():
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise RuntimeError("the server did not get ready")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("database", type=Path)
    parser.add_argument("--requests", type=int, default=15)
    args = parser.parse_args()
    print("| request | with the index | SQL (capped at 10,000) |\n| --- | ---: | ---: |")
    results: dict[str, list[str]] = {name: [] for name in REQUESTS}
    extra: list[str] = []
    for index in (True, False):
        launched = time.perf_counter()
        proc, base = serve(args.database, index)
        try:
            with httpx.Client(base_url=base, timeout=120) as client:
                wait_until(lambda: client.get("/health").status_code == 200)
                if index:
                    wait_until(lambda: client.get("/ready").json()["counting"] == "ready")
                    extra.append(f"index ready {time.perf_counter() - launched:.1f} s after start")
                for name, params in REQUESTS.items():
                    ms, exact = timed(client, params, args.requests)
                    results[name].append(f"{ms:.1f} ms" + ("" if exact else " (capped)"))
                extra.append(
                    f"peak RSS {'with' if index else 'without'}: {peak_rss_mb(proc.pid):.0f} MB"
                )
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(10)
    for name, cells in results.items():
        print(f"| {name} | {' | '.join(cells)} |")
    print("\n" + "; ".join(extra))


if __name__ == "__main__":
    main()

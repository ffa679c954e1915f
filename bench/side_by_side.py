"""Two requests timed side by side, one at a time, on one treaty-api server: what
`bench/pages.py` (a page beside its JSON) and `bench/reads.py` (a read beside page 1) share.

Each pair is requested alternately on one kept-alive connection, after one untimed request
of each, so both see the same machine at the same moment: their ratio is the figure to
compare from run to run, not their milliseconds."""

import argparse
import signal
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import httpx

from bench.processes import BIN, DATA, free_port, launch, on_signal, stop_all, wait_until
from bench.run import RESULTS, machine

Request = tuple[str, dict[str, str]]
"""A path and its headers."""


def sizes(text: str) -> list[int]:
    """`--sizes 100000,1_000_000` as numbers."""
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def arguments(doc: str) -> argparse.ArgumentParser:
    """The command line both benches take: `--sizes` and `--requests`."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="comma-separated N")
    parser.add_argument("--requests", type=int, default=31, help="timed requests of each")
    return parser


def markdown_table(columns: dict[str, str], rows: list[list[str]]) -> str:
    """A Markdown table: each column's heading and alignment (`---:` for figures)."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join(columns.values()) + "|"]
    return "\n".join(lines + ["| " + " | ".join(row) + " |" for row in rows])


@contextmanager
def served(database_url: str, log_name: str, timeout: float = 60) -> Iterator[httpx.Client]:
    """A client of one `treaty-api serve` worker on the database, once its counting index is
    ready (anonymous rate limits off); the server is stopped on leaving."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    argv = [str(BIN / "treaty-api"), "serve", "--host", "127.0.0.1", "--port", str(port)]
    proc = launch(argv, {"DATABASE_URL": database_url, "RATE_LIMIT_ANONYMOUS": "off"}, log_name)
    try:
        wait_until(proc, f"{base}/ready", lambda r: r.json().get("counting") == "ready", 300)
        with httpx.Client(base_url=base, timeout=timeout) as client:
            yield client
    finally:
        stop_all()


def medians_ms(
    client: httpx.Client, pair: tuple[Request, Request], requests: int
) -> tuple[float, float, httpx.Response]:
    """The two requests' median times, requested alternately `requests` times after one
    untimed request of each (which warms the caches), and the first one's untimed answer."""
    times: tuple[list[float], list[float]] = ([], [])
    first = None
    for round_ in range(requests + 1):
        for (path, headers), out in zip(pair, times, strict=True):
            started = time.perf_counter()
            response = client.get(path, headers=headers).raise_for_status()
            if round_:
                out.append((time.perf_counter() - started) * 1000)
            elif first is None:
                first = response
    assert first is not None
    return statistics.median(times[0]), statistics.median(times[1]), first


def report_run(
    title: str, filename: str, method: str, run: Callable[[], tuple[list[str], str]]
) -> None:
    """Runs the bench (`run` gives its verdict lines and table), stopping every server on
    the way out (Ctrl-C and SIGTERM too), then prints the report and writes it to
    bench/results/`filename`."""
    DATA.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    started = datetime.now(UTC)
    try:
        verdicts, table = run()
    finally:
        stop_all()
    report = "\n".join(
        [
            f"# {title}",
            "",
            f"- when: {started:%Y-%m-%d %H:%M} UTC; machine: {machine()}",
            f"- {method}",
            *verdicts,
            "",
            table,
            "",
        ]
    )
    print("\n" + report)
    (RESULTS / filename).write_text(report)

"""Instructions per request of real API requests, in process: stable where wall-clock is not.

Each request (a path with its query string) goes through the app as `create_app` wires it,
straight through the ASGI interface, on a synthetic database (by default
bench/data/treaty-10000.sqlite, built as `make bench` builds it), with the counting index
built first. valgrind's callgrind counts a run of 50 + N requests and one of 50; their
difference over N is the figure, so start-up and the index build drop out. On a shared
machine a wall-clock run varies by 2x; this count varies by well under 1%.

    python bench/instructions.py [-n 200] [--size 10000] [PATH ...]
    python bench/instructions.py "/api/v1/agreements?country=VN&limit=20&include=parties,sectors"
"""

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.config import Settings  # noqa: E402
from app.main import create_app  # noqa: E402
from bench.stack_cost import PLAIN, collected, drive, scope_for  # noqa: E402

WARM = 50
DEFAULT_PATHS = (
    "/api/v1/agreements?country=VN&limit=20&include=parties,sectors",
    "/api/v1/agreements?limit=20",
)


def send(path: str, n: int) -> None:
    """Send `n` GETs of `path` to an app on DATABASE_URL, once its counting index is ready."""
    app = create_app(Settings())
    make_scope = scope_for(app, PLAIN, path)

    async def run() -> None:
        async with app.router.lifespan_context(app):
            while app.state.counting is not None and not app.state.counting.ready.is_set():
                await asyncio.sleep(0.05)
            await drive(app, make_scope, n)

    asyncio.run(run())


def per_request(path: str, n: int, database_url: str) -> float:
    env = {**os.environ, "DATABASE_URL": database_url}
    runs = [
        collected([__file__, "--send", path, "-n", str(count)], env) for count in (WARM, WARM + n)
    ]
    return (runs[1] - runs[0]) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", default=list(DEFAULT_PATHS))
    parser.add_argument("-n", type=int, default=200, help="requests counted per path")
    parser.add_argument("--size", type=int, default=10_000, help="synthetic agreements")
    parser.add_argument("--send", help=argparse.SUPPRESS)  # the counted run itself
    args = parser.parse_args()
    if args.send:
        send(args.send, args.n)
        return
    from bench.run import sqlite_file

    database_url = f"sqlite:///{sqlite_file(args.size, {})}"
    print(f"instructions per request (callgrind, ({WARM} + {args.n}) - {WARM} requests)")
    for path in args.paths:
        started = time.perf_counter()
        figure = per_request(path, args.n, database_url)
        print(f"{figure:14,.0f}  {path}  ({time.perf_counter() - started:.0f} s)", flush=True)


if __name__ == "__main__":
    main()

"""What the middleware stack costs per request, in process and without a socket.

One small JSON GET (a route added here that answers fixed bytes, so no database, threadpool or
serialization is measured) is sent straight through the ASGI interface N times to:

- `full`: the app as `create_app` wires it;
- `bare`: the same app with no middleware of ours (FastAPI's own layers remain).

`full - bare` is what our middleware costs. Each variant is timed in interleaved rounds (best
round kept), as a plain request (like `wrk`) and as a browser's (`Origin`,
`Accept-Encoding: gzip`). The access log goes through the configured handler to /dev/null,
as `serve` would write it to stderr. `--profile VARIANT` prints the top of a cProfile instead;
`--callgrind` counts instructions per request with valgrind (stable on a busy machine).

    python bench/stack_cost.py [-n 20000] [--rounds 5] [--body 8000]
    python bench/stack_cost.py --profile full [--browser] [--sort cumulative]
    python bench/stack_cost.py --callgrind -n 300
"""

import argparse
import asyncio
import cProfile
import logging.config
import os
import pstats
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from fastapi import FastAPI, Response  # noqa: E402
from starlette.types import Message  # noqa: E402

from app.config import Settings  # noqa: E402
from app.logging_setup import log_config  # noqa: E402
from app.main import create_app  # noqa: E402

PATH = "/api/v1/bench-tiny"
VARIANTS = ("full", "bare")
PLAIN = [(b"host", b"127.0.0.1:8000"), (b"accept", b"*/*")]
BROWSER = [
    *PLAIN,
    (b"origin", b"https://example.org"),
    (b"accept-encoding", b"gzip, deflate, br"),
    (b"user-agent", b"Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/128.0"),
]


def build(variant: str, body: bytes, database_url: str) -> FastAPI:
    settings = Settings(database_url=database_url, counting_index=False)
    app = create_app(settings)

    async def tiny() -> Response:
        return Response(body, media_type="application/json")

    app.add_api_route(PATH, tiny, methods=["GET"])
    app.router.routes.insert(0, app.router.routes.pop())  # first: routing costs least
    if variant == "bare":
        app.user_middleware = []
    return app


def scope_for(
    app: FastAPI, headers: list[tuple[bytes, bytes]], url: str = f"{PATH}?country=VN&limit=20"
) -> Callable[[], dict]:
    """A fresh scope per call for a GET of `url` (a path and its query string)."""
    path, _, query = url.partition("?")
    base = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 50000),
        "app": app,
    }
    return lambda: {**base, "headers": list(headers), "state": {}}


async def drive(app: FastAPI, make_scope: Callable[[], dict], n: int) -> tuple[float, int]:
    request: Message = {"type": "http.request", "body": b"", "more_body": False}
    sent = 0

    async def receive() -> Message:
        return request

    async def send(message: Message) -> None:
        nonlocal sent
        if message["type"] == "http.response.start":
            assert message["status"] == 200, message
            sent += 1

    started = time.perf_counter()
    for _ in range(n):
        await app(make_scope(), receive, send)
    return time.perf_counter() - started, sent


def collected(arguments: list[str], env: dict[str, str] | None = None) -> int:
    """Instructions valgrind's callgrind counts for a whole Python run of `arguments`."""
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    result = subprocess.run(
        [*command, sys.executable, *arguments], capture_output=True, text=True, check=True, env=env
    )
    return int(re.search(r"Collected : (\d+)", result.stderr).group(1))  # type: ignore[union-attr]


def instructions(variant: str, kind: str, n: int, body: int) -> int:
    """Instructions valgrind counts for a whole run of `n` requests (start-up included)."""
    arguments = [__file__, "--count", variant, "--body", str(body), "-n", str(n)]
    if kind == "browser":
        arguments.append("--browser")
    return collected(arguments)


def callgrind(body: int, n: int) -> None:
    """Instructions per request: the difference between runs of 100 + n and of 100."""
    print(f"instructions per request (callgrind, ({n} + 100) - 100 requests), body {body} bytes")
    print(f"{'request':8} {'full':>10} {'bare':>10} {'stack':>10}")
    for kind in ("plain", "browser"):
        per = {
            variant: (instructions(variant, kind, 100 + n, body) - instructions(variant, kind, 100, body)) / n
            for variant in ("full", "bare")
        }  # fmt: skip
        print(
            f"{kind:8} {per['full']:10,.0f} {per['bare']:10,.0f} {per['full'] - per['bare']:10,.0f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--body", type=int, default=8_000, help="response bytes (JSON)")
    parser.add_argument("--profile", choices=VARIANTS, help="print a cProfile of one variant")
    parser.add_argument("--count", choices=VARIANTS, help="only send the requests (valgrind)")
    parser.add_argument("--callgrind", action="store_true", help="count instructions instead")
    parser.add_argument("--browser", action="store_true", help="the browser's request")
    parser.add_argument("--sort", default="tottime", help="cProfile sort key")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    if args.callgrind:
        callgrind(args.body, args.n)
        return

    config = log_config("text")
    config["handlers"]["default"]["stream"] = open(os.devnull, "w")  # noqa: SIM115
    logging.config.dictConfig(config)
    item = b'{"id":"synth-000001","title":"Agreement on energy cooperation","date":"2001-02-03"}'
    body = b'{"items":[' + b",".join([item] * max(1, args.body // (len(item) + 1))) + b"]}"
    loop = asyncio.new_event_loop()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/stack.sqlite"
        one = args.count or args.profile
        if one:
            app = build(one, body, url)
            make = scope_for(app, BROWSER if args.browser else PLAIN)
            if args.count:
                loop.run_until_complete(drive(app, make, args.n))
                return
            loop.run_until_complete(drive(app, make, 200))
            profile = cProfile.Profile()
            profile.enable()
            loop.run_until_complete(drive(app, make, args.n))
            profile.disable()
            pstats.Stats(profile).sort_stats(args.sort).print_stats(args.top)
            return
        apps = {variant: build(variant, body, url) for variant in VARIANTS}
        best: dict[tuple[str, str], float] = {}
        for _ in range(args.rounds):
            for kind, headers in (("plain", PLAIN), ("browser", BROWSER)):
                for variant, app in apps.items():
                    make = scope_for(app, headers)
                    loop.run_until_complete(drive(app, make, 100))
                    seconds, sent = loop.run_until_complete(drive(app, make, args.n))
                    assert sent == args.n
                    key = (kind, variant)
                    best[key] = min(best.get(key, float("inf")), seconds / args.n * 1e6)
    print(f"response body {len(body)} bytes; µs per request, best of {args.rounds} x {args.n}")
    print(f"{'request':8} {'full':>8} {'bare':>8} {'stack':>8}")
    for kind in ("plain", "browser"):
        full, bare = best[(kind, "full")], best[(kind, "bare")]
        print(f"{kind:8} {full:8.1f} {bare:8.1f} {full - bare:8.1f}")


if __name__ == "__main__":
    main()

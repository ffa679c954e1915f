"""One load of one URL with `wrk`, and the CPU it cost on each side.

On a small machine wrk competes with the server for the same cores, so each result says
how many cores the server's processes and wrk itself used during the load (CPU seconds over
wall seconds): a server that cannot get more than what wrk leaves is reported as such.
"""

import re
import resource
import time
from dataclasses import dataclass
from pathlib import Path

from bench.processes import group_cpu_seconds, run


@dataclass
class Load:
    threads: int
    connections: int
    duration: int

    def __str__(self) -> str:
        return f"wrk -t{self.threads} -c{self.connections} -d{self.duration}s"


@dataclass
class Result:
    rps: float
    p50: float
    p99: float
    errors: int = 0
    completed: int = 0
    server_cores: float = float("nan")
    wrk_cores: float = float("nan")


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def wrk(url: str, load: Load, server_pgid: int, script: Path | None = None) -> Result:
    """Load `url` for `load.duration` seconds (each request's path drawn by the Lua `script`
    where one is given). wrk's CPU is the growth of the CPU time of the children this
    process has waited for (wrk is the only one waited for meanwhile)."""
    assert url.startswith("http://127.0.0.1:"), url
    wrk_before, server_before = _children_cpu(), group_cpu_seconds(server_pgid)
    started = time.perf_counter()
    out = run(
        ["wrk", f"-t{load.threads}", f"-c{load.connections}", f"-d{load.duration}s",
         "--timeout", "10s", "--latency", *(["-s", str(script)] if script else []), url],
    )  # fmt: skip
    wall = time.perf_counter() - started
    server_cores = (group_cpu_seconds(server_pgid) - server_before) / wall
    wrk_cores = (_children_cpu() - wrk_before) / wall
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
        server_cores,
        wrk_cores,
    )

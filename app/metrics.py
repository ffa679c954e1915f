"""Prometheus metrics, served at `/metrics`.

prometheus_client keeps metrics in one registry per process, so they are module-level here.
With several worker processes (`treaty-api serve --workers N`), `serve` points
`PROMETHEUS_MULTIPROC_DIR` at a fresh directory before the workers start: each worker writes
its values there and a scrape, answered by any worker, sums them. Gauges are summed over
live workers (`livesum`).
"""

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Engine

REQUESTS = Counter(
    "treaty_http_requests",
    "HTTP requests answered, by route template, method and status.",
    ["method", "route", "status"],
)
LATENCY = Histogram(
    "treaty_http_request_duration_seconds",
    "Time from the request's arrival to the end of its response body, by route template.",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
POOL_IN_USE = Gauge(
    "treaty_db_pool_connections_in_use",
    "Database connections checked out of the pool (summed over workers).",
    multiprocess_mode="livesum",
)
POOL_SIZE = Gauge(
    "treaty_db_pool_size",
    "Connections the pool keeps open at most, overflow excluded (summed over workers).",
    multiprocess_mode="livesum",
)
DB_READS = Counter(
    "treaty_db_reads",
    "Read requests by the database chosen to serve them (replica or primary), counted only "
    "when READ_DATABASE_URL is set; a read that failed on the replica and was answered by "
    "the primary counts as the replica's (see treaty_db_replica_fallbacks).",
    ["target"],
)
REPLICA_FALLBACKS = Counter(
    "treaty_db_replica_fallbacks",
    "Reads sent to the primary instead of the read replica, by reason: the replica was "
    "down, lagging or not replaying when the read began, or the read failed on it (and was "
    "answered by the primary).",
    ["reason"],
)
RATE_LIMITED = Counter(
    "treaty_rate_limit_rejections",
    "Requests refused with 429, by kind of client (anonymous or keyed).",
    ["client"],
)
RATE_LIMIT_FAIL_OPEN = Counter(
    "treaty_rate_limit_fail_open",
    "Requests let through unchecked because the rate-limit storage (Redis) did not answer.",
)


def observe_pool(engine: Engine) -> None:
    """Record the engine's pool use now (pools without a fixed size, such as SQLAlchemy's
    NullPool, report nothing)."""
    pool = engine.pool
    checkedout = getattr(pool, "checkedout", None)
    size = getattr(pool, "size", None)
    if callable(checkedout) and callable(size):
        POOL_IN_USE.set(checkedout())
        POOL_SIZE.set(size())


def render() -> tuple[bytes, str]:
    """The metrics in the Prometheus text format: this process's, or every worker's."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST

"""Service endpoints: liveness, readiness and metrics (the landing page is app.pages.home)."""

from functools import partial
from typing import Literal

import anyio
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from app.api.deps import json_accepted
from app.api.responses import JSONBytes
from app.db.probe import write_refusal
from app.db.replica import ReplicaHealth
from app.errors import TIMED_OUT, UNREACHABLE, ServiceUnavailable, unavailable
from app.metrics import observe_pool, render
from app.middleware.rate_limits import Limiter

router = APIRouter(tags=["meta"])


ReplicaStatus = Literal["ok", "down", "lagging", "not replaying", "not configured"]


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok", "down"]
    """Whether the database answered a query within 2 s (for information: see /ready)."""


class Ready(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
    """The primary answers and would take a write."""
    replica: ReplicaStatus
    """The read replica (`READ_DATABASE_URL`), if any: reads go to the primary unless `ok`."""
    reads: Literal["replica", "primary"]
    """Where reads go now."""
    redis: Literal["ok", "not configured"]
    counting: Literal["ready", "building", "off"]
    """This worker's counting index: until `ready`, lists count with SQL (capped)."""


SERVICE_UNAVAILABLE = {
    503: {
        "description": "A service the API needs does not answer",
        "content": {
            "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
        },
    }
}


@router.get(
    "/health",
    summary="Liveness",
    operation_id="get_health",
    response_model=Health,
    dependencies=[Depends(json_accepted)],
)
async def health(request: Request) -> Response:
    """Answers 200 while the API runs, also while its database is away (a liveness probe
    that failed then would have the process restarted for nothing; whether requests would
    be served is /ready's question). `database` says whether the database answered a query.

    It answers promptly under any load: it passes the admission gate, and asks the database
    through a connection and a thread of its own, never through the request pool or the
    shared threadpool that a burst of requests may fill, for at most HEALTH_TIMEOUT."""
    engine = request.app.state.health_engine
    database: Literal["ok", "down"] = "ok"
    try:
        with anyio.fail_after(HEALTH_TIMEOUT):
            await anyio.to_thread.run_sync(
                _ping, engine, abandon_on_cancel=True, limiter=_own_thread(request.app, "health")
            )
    except (SQLAlchemyError, TimeoutError):
        database = "down"
    return JSONBytes(Health(status="ok", database=database), headers=UNCACHED)


HEALTH_TIMEOUT = 2.0
UNCACHED = {"Cache-Control": "no-store"}
"""What a probe or a scrape reads is now, never a stored copy (so no ETag either)."""


def _ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _own_thread(app: FastAPI, purpose: str) -> anyio.CapacityLimiter:
    """One thread for a `purpose` of checks (the primary, the replica), apart from the
    threadpool the routes share, which a burst of requests may fill."""
    threads: dict[str, anyio.CapacityLimiter] | None = getattr(app.state, "check_threads", None)
    if threads is None:
        threads = app.state.check_threads = {}
    if purpose not in threads:
        threads[purpose] = anyio.CapacityLimiter(1)
    return threads[purpose]


@router.get(
    "/ready",
    summary="Readiness for traffic",
    operation_id="get_readiness",
    response_model=Ready,
    dependencies=[Depends(json_accepted)],
    responses=SERVICE_UNAVAILABLE,
)
async def ready(request: Request) -> Response:
    """Answers `ok` when every request would be served: the database answers and would take
    a write (a read-only or full SQLite file, or a PostgreSQL standby, would refuse it) and,
    if `REDIS_URL` is set, Redis answers; 503 naming what does not otherwise, so a load
    balancer sends no traffic here. A read replica that is down or lags leaves the API ready
    (reads go to the primary): `replica` and `reads` say so. The API also serves without
    Redis (its rate limits then fail open): this tells operators. `counting` says whether
    this worker's counting index is built yet (lists are served either way). Each check
    gives up after HEALTH_TIMEOUT seconds, so this answers promptly even when a database is
    frozen."""
    app = request.app
    limiter: Limiter = app.state.limiter
    redis: Literal["ok", "down", "not configured"] = "not configured"
    if limiter.uses_redis:
        redis = "ok" if await limiter.answers() else "down"
    refusal = await _write_refusal(app)
    down = [refusal] if refusal else []
    if redis == "down":
        down.append("Redis does not answer")
    if down:
        raise ServiceUnavailable(f"Not ready: {'; '.join(down)}.")
    replica = await _replica_state(app)
    live = app.state.counting
    counting = "off" if live is None else "ready" if live.ready.is_set() else "building"
    reads: Literal["replica", "primary"] = "replica" if replica == "ok" else "primary"
    body = Ready(
        status="ok", database="ok", replica=replica, reads=reads, redis=redis, counting=counting
    )
    return JSONBytes(body, headers=UNCACHED)


async def _write_refusal(app: FastAPI) -> str | None:
    """Why the primary would refuse a write now (`app.db.probe`), or None."""
    try:
        with anyio.fail_after(HEALTH_TIMEOUT):
            return await anyio.to_thread.run_sync(
                write_refusal,
                app.state.health_engine,
                abandon_on_cancel=True,
                limiter=_own_thread(app, "health"),
            )
    except TimeoutError:
        return TIMED_OUT
    except SQLAlchemyError as exc:
        return unavailable(exc) or UNREACHABLE


async def _replica_state(app: FastAPI) -> ReplicaStatus:
    """The read replica's state, measured now (within HEALTH_TIMEOUT seconds)."""
    health: ReplicaHealth | None = app.state.replica_health
    if health is None:
        return "not configured"
    try:
        with anyio.fail_after(HEALTH_TIMEOUT):
            measure = partial(health.check, wait=HEALTH_TIMEOUT)
            limiter = _own_thread(app, "replica")
            return (
                await anyio.to_thread.run_sync(measure, abandon_on_cancel=True, limiter=limiter)
            ).state
    except TimeoutError as exc:
        health.failed(exc)
        return "down"


@router.get(
    "/metrics",
    summary="Prometheus metrics",
    operation_id="get_metrics",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
async def metrics(request: Request) -> Response:
    """Requests by route and status, latency histograms, database pool use, rate-limit
    rejections and fail-opens, in the Prometheus text format (all workers' when several)."""
    observe_pool(request.app.state.engine)
    body, content_type = render()
    return Response(body, media_type=content_type, headers=UNCACHED)

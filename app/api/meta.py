"""Service endpoints: liveness, readiness and metrics (the landing page is app.pages.home)."""

from typing import Literal

import anyio
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from app.api.deps import SessionDep, json_accepted
from app.api.responses import JSONBytes
from app.errors import ServiceUnavailable
from app.metrics import observe_pool, render
from app.middleware.rate_limits import Limiter

router = APIRouter(tags=["meta"])


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]


class Ready(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]
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


def _database_answers(session: Session) -> bool:
    try:
        session.execute(text("SELECT 1"))
        session.commit()
    except SQLAlchemyError:
        session.rollback()
        return False
    return True


@router.get(
    "/health",
    summary="Liveness and database check",
    operation_id="get_health",
    response_model=Health,
    dependencies=[Depends(json_accepted)],
    responses=SERVICE_UNAVAILABLE,
)
async def health(request: Request) -> Response:
    """Answers `ok` when the API runs and its database answers a query.

    It answers promptly under any load: it passes the admission gate, and asks the database
    through a connection and a thread of its own, never through the request pool or the
    shared threadpool that a burst of requests may fill."""
    engine = request.app.state.health_engine
    try:
        with anyio.fail_after(HEALTH_TIMEOUT):
            await anyio.to_thread.run_sync(
                _ping, engine, abandon_on_cancel=True, limiter=_health_thread(request.app)
            )
    except (SQLAlchemyError, TimeoutError):
        raise ServiceUnavailable("The database does not answer.") from None
    return JSONBytes(Health(status="ok", database="ok"))


HEALTH_TIMEOUT = 2.0


def _ping(engine: Engine) -> None:
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))


def _health_thread(app: FastAPI) -> anyio.CapacityLimiter:
    """One thread for health checks, apart from the threadpool the routes share."""
    if getattr(app.state, "health_thread", None) is None:
        app.state.health_thread = anyio.CapacityLimiter(1)
    return app.state.health_thread


@router.get(
    "/ready",
    summary="Readiness for traffic",
    operation_id="get_readiness",
    response_model=Ready,
    dependencies=[Depends(json_accepted)],
    responses=SERVICE_UNAVAILABLE,
)
async def ready(request: Request, session: SessionDep) -> Response:
    """Answers `ok` when the database and, if `REDIS_URL` is set, Redis answer; 503 naming
    what does not otherwise, so a load balancer sends no traffic here. The API itself also
    serves without Redis (its rate limits then fail open): this tells operators. `counting`
    says whether this worker's counting index is built yet (lists are served either way)."""
    limiter: Limiter = request.app.state.limiter
    redis: Literal["ok", "down", "not configured"] = "not configured"
    if limiter.uses_redis:
        redis = "ok" if await limiter.answers() else "down"
    database = await anyio.to_thread.run_sync(_database_answers, session)
    down = [name for name, up in (("database", database), ("Redis", redis != "down")) if not up]
    if down:
        raise ServiceUnavailable(f"Not ready: {' and '.join(down)} not answering.")
    live = request.app.state.counting
    counting = "off" if live is None else "ready" if live.ready.is_set() else "building"
    return JSONBytes(Ready(status="ok", database="ok", redis=redis, counting=counting))


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
    return Response(body, media_type=content_type, headers={"Cache-Control": "no-store"})

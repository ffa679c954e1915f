"""The app factory: routers, error handlers and middleware. Nothing is built at import."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from anyio import CapacityLimiter
from fastapi import FastAPI
from pydantic import BaseModel

from app import __version__
from app.api import meta, problems
from app.api.deps import ReadLanes
from app.api.docs_ui import install_docs
from app.api.list_formats import ListFormats, downloadable_lists
from app.api.openapi import finish
from app.api.query_models import query_models
from app.api.v1 import (
    agreements,
    bodies,
    changes,
    countries,
    overview,
    relations,
    search,
    sectors,
    signatories,
    sources,
    statements,
    visits,
)
from app.config import Settings, get_settings
from app.counting.live import LiveIndex
from app.db import REPLICA, TRACKS_POSITION, make_sessionmaker, serving_engine
from app.db.bounded import Timeouts
from app.db.replica import ReplicaHealth
from app.errors import install_error_handlers
from app.kinds.registry import KINDS
from app.kinds.shapes import CitationIn
from app.loop_local import LoopLocal
from app.memory import tune_malloc
from app.middleware.admission import AdmissionGate
from app.middleware.body_size import BodySizeLimitMiddleware
from app.middleware.http_cache import HttpCacheMiddleware
from app.middleware.outermost import OutermostMiddleware
from app.middleware.rate_limits import (
    KeyCache,
    Limiter,
    RateLimitMiddleware,
    key_lookup,
    make_storage,
    parse_rate,
)
from app.middleware.trusted_proxies import TrustedProxies
from app.pages import home, lists, records, static_files
from app.pages import relations as relation_pages
from app.pages import sources as source_pages
from app.schemas.changes import KeyIn

DESCRIPTION = """
An open API for treaties and agreements between states. **Every fact is sourced**: each
agreement, visit and signatory carries `citations`, verbatim quotes of the source documents
(see *sources*), and where the sources disagree, `discrepancies` keeps each reading.

Start with **agreements**: try `country=AZ` and `sector=energy`. Lists return
`{items, total, limit, offset, next_cursor}` and a `Link: rel="next"` header;
`/api/v1/agreements.csv` and `.ndjson` download every match. Errors are
`application/problem+json`; each `type` is the path of a page explaining it (all of them:
[/problems](/problems)).
"""

API_ROUTERS = tuple(
    module.router
    for module in (
        agreements,
        visits,
        statements,
        relations,
        countries,
        signatories,
        bodies,
        sectors,
        sources,
        search,
        overview,
        changes,
    )
)
"""Under /api/v1, in this order (each router's routes before the next's)."""
API_PREFIX = "/api/v1"
PAGE_ROUTERS = (
    home.router,
    lists.router,
    relation_pages.router,
    records.router,
    source_pages.router,
    static_files.router,
)
"""The pages for people, at the root (app.pages)."""
BODY_SCHEMAS = (CitationIn, KeyIn)
"""Request bodies read by hand besides the records' (app.api.write_schemas)."""
TAGS = [
    {
        "name": "agreements",
        "description": "Treaties, MoUs, letters of intent, joint statements "
        "and programmes: filter by country, sector, kind, signatory, visit, date and words.",
    },
    {
        "name": "visits",
        "description": "Official visits: who went where, when, and what was signed during them.",
    },
    {
        "name": "statements",
        "description": "What the parties say: remarks, assessments, proposals, pledges, plans "
        "and positions, by country, sector, speaker, visit, date and words.",
    },
    {
        "name": "relations",
        "description": "Two countries' relations in one call, and timelines of agreements, "
        "visits and milestones.",
    },
    {
        "name": "countries",
        "description": "ISO 3166 countries and historical entities (e.g. the "
        "Azerbaijan SSR), each linked to its successor.",
    },
    {
        "name": "signatories",
        "description": "Who signs: governments, ministries, companies, "
        "parties, offices and people.",
    },
    {
        "name": "bodies",
        "description": "Standing bodies of countries: intergovernmental committees and "
        "commissions.",
    },
    {"name": "sectors", "description": "The sector tree (energy > oil and gas) with counts."},
    {
        "name": "sources",
        "description": "The source documents, verbatim, that every citation quotes.",
    },
    {"name": "search", "description": "One query across every kind of record."},
    {
        "name": "overview",
        "description": "What the database holds, at a glance: what the start page shows.",
    },
    {"name": "changes", "description": "Every write in order, for mirrors and auditors."},
    {"name": "keys", "description": "API keys for curators (admin only)."},
    {"name": "meta", "description": "Health and service information."},
]


CHECK_STATEMENT_SECONDS = 1.0


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    tune_malloc()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if app.state.counting is not None:
            app.state.counting.start()
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="treaty-api",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        docs_url=None,
        redoc_url=None,
    )
    bounds = Timeouts(settings.db_connect_timeout_seconds, settings.db_statement_timeout_seconds)
    engine = serving_engine(
        settings.database_url,
        settings.max_concurrent_requests,
        settings.queue_wait_seconds,
        bounds,
    )
    read_engine = None
    if settings.read_database_url:
        read_engine = serving_engine(
            settings.read_database_url,
            settings.max_concurrent_requests,
            settings.queue_wait_seconds,
            bounds,
        )
    app.state.engine = engine
    app.state.read_engine = read_engine
    # Checks (/health, /ready, the replica's state) ask trivial questions: a second is long.
    checks = Timeouts(settings.db_connect_timeout_seconds, CHECK_STATEMENT_SECONDS)
    app.state.health_engine = serving_engine(settings.database_url, 1, 1.0, checks)
    app.state.replica_health = settings.read_database_url and ReplicaHealth(
        serving_engine(settings.database_url, 1, 1.0, checks),
        serving_engine(settings.read_database_url, 1, 1.0, checks),
        settings.replica_max_lag_seconds,
    )
    app.state.sessions = make_sessionmaker(engine, {TRACKS_POSITION: read_engine is not None})
    app.state.read_sessions = read_engine and make_sessionmaker(read_engine, {REPLICA: True})
    app.state.counting = LiveIndex(app.state.sessions) if settings.counting_index else None
    app.state.read_lanes = ReadLanes(settings.bounded_reads(), settings.read_threads)
    app.state.public_base_url = (settings.public_base_url or "").rstrip("/") or None
    app.state.download_lane = LoopLocal(partial(CapacityLimiter, settings.download_threads))
    install_error_handlers(app)
    install_docs(app)
    app.include_router(meta.router)
    app.include_router(problems.router)
    for router in API_ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    for router in PAGE_ROUTERS:
        app.include_router(router)
    # The last added runs first: the edge (client address, request id, 431, CORS preflight,
    # control characters, the headers every response carries, unexpected errors as 500,
    # metrics and access log), the rate limit (only when configured), the body cap, HTTP
    # caching (HEAD, gzip, ETag), the admission gate, and last a list's format (CSV or NDJSON
    # as Accept asks, see app.api.list_formats). So 429, 413, 503 and 500 answers carry
    # CORS, security headers and the request id too; 431 comes before anything but the edge
    # reads the headers, and carries the request id only.
    app.add_middleware(ListFormats, lists=downloadable_lists(API_ROUTERS, API_PREFIX))
    app.add_middleware(
        AdmissionGate,
        limit=settings.max_concurrent_requests,
        share=settings.max_requests_per_client,
        queue=settings.max_queued_requests,
        wait=settings.queue_wait_seconds,
        body_wait=settings.body_timeout_seconds,
    )
    app.add_middleware(HttpCacheMiddleware, max_age=settings.cache_max_age)
    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    limiter = Limiter(
        make_storage(settings.redis_url, settings.redis_key_prefix),
        anonymous=parse_rate(settings.rate_limit_anonymous),
        keyed=parse_rate(settings.rate_limit_keyed),
    )
    app.state.limiter = limiter
    if limiter.enabled:
        keys = KeyCache(key_lookup(app.state.sessions), ttl=settings.api_key_cache_seconds)
        app.add_middleware(RateLimitMiddleware, limiter=limiter, keys=keys)
    app.add_middleware(
        OutermostMiddleware, proxies=TrustedProxies(settings.forwarded_allow_ips), engine=engine
    )
    install_schemas(app, BODY_SCHEMAS)
    return app


def install_schemas(app: FastAPI, models: tuple[type[BaseModel], ...]) -> None:
    """Complete the spec with what FastAPI cannot see (see app.api.openapi): request-body models
    read by hand, security schemes, headers, shared enums, plain parameters."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = finish(build(), models, query_models(API_ROUTERS), KINDS.writable)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

"""The app factory: routers, error handlers and middleware. Nothing is built at import."""

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from pydantic import BaseModel

from app.api import meta, problems
from app.api.v1 import (
    agreements,
    changes,
    countries,
    relations,
    search,
    sectors,
    signatories,
    sources,
    visits,
)
from app.config import Settings, get_settings
from app.curation.resources import RESOURCES
from app.db import make_engine, make_sessionmaker
from app.docs_ui import install_docs
from app.errors import install_error_handlers
from app.guards import ControlCharacterGuard
from app.http_cache import HeadMiddleware, HttpCacheMiddleware
from app.limits import BodySizeLimitMiddleware, RateLimitMiddleware, SecurityHeadersMiddleware
from app.openapi import finish
from app.schemas.changes import KeyIn
from app.seeding.records import CitationIn

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

WRITE_SCHEMAS = (*(r.record for r in RESOURCES.values()), CitationIn, KeyIn)
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
    {"name": "sectors", "description": "The sector tree (energy > oil and gas) with counts."},
    {
        "name": "sources",
        "description": "The source documents, verbatim, that every citation quotes.",
    },
    {"name": "search", "description": "One query across every kind of record."},
    {"name": "changes", "description": "Every write in order, for mirrors and auditors."},
    {"name": "keys", "description": "API keys for curators (admin only)."},
    {"name": "meta", "description": "Health and service information."},
]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    app = FastAPI(
        title="treaty-api",
        version="1.0.0",
        description=DESCRIPTION,
        openapi_tags=TAGS,
        docs_url=None,
        redoc_url=None,
    )
    engine = make_engine(settings.database_url)
    app.state.engine = engine
    app.state.sessions = make_sessionmaker(engine)
    install_error_handlers(app)
    install_docs(app)
    app.include_router(meta.router)
    app.include_router(problems.router)
    for module in (agreements, visits, relations, countries, signatories, sectors, sources, search):
        app.include_router(module.router, prefix="/api/v1")
    app.include_router(changes.router, prefix="/api/v1")
    # The last added runs first: security headers, CORS, rate limit, body cap, HEAD, gzip,
    # ETag, control characters. So 429 and 413 answers carry CORS and security headers too.
    app.add_middleware(ControlCharacterGuard)
    app.add_middleware(HttpCacheMiddleware, max_age=settings.cache_max_age)
    app.add_middleware(GZipMiddleware, minimum_size=1000)
    app.add_middleware(HeadMiddleware)
    app.add_middleware(BodySizeLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(
        RateLimitMiddleware,
        anonymous=settings.rate_limit_anonymous,
        keyed=settings.rate_limit_keyed,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["*"],
        allow_methods=["GET", "HEAD", "POST", "PATCH", "DELETE"],
        allow_headers=["Authorization", "X-API-Key", "If-Match", "If-None-Match", "Content-Type"],
        expose_headers=[
            "ETag",
            "Link",
            "Location",
            "Retry-After",
            "RateLimit-Limit",
            "RateLimit-Remaining",
            "RateLimit-Reset",
        ],
        max_age=3600,
    )
    app.add_middleware(SecurityHeadersMiddleware)
    install_schemas(app, WRITE_SCHEMAS)
    return app


def install_schemas(app: FastAPI, models: tuple[type[BaseModel], ...]) -> None:
    """Complete the spec with what FastAPI cannot see (see app.openapi): request-body models
    read by hand, security schemes, headers, shared enums, plain parameters."""
    build = app.openapi

    def openapi() -> dict:
        if app.openapi_schema is None:
            app.openapi_schema = finish(build(), models)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

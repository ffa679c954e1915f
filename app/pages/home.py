"""`/`: what is in the database, the pairs of countries, the newest records; JSON (links and
example queries) for clients that do not ask for HTML."""

from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.api.deps import SessionDep
from app.api.responses import JSONBytes
from app.counting.live import LiveIndex
from app.pages.render import page
from app.queries import agreements as agreement_queries
from app.queries import sources as source_queries
from app.queries import statements as statement_queries
from app.queries import visits as visit_queries
from app.queries.overview import country_pairs, record_counts
from app.schemas.agreements import AgreementFilters
from app.schemas.sources import SourceFilters
from app.schemas.statements import StatementFilters
from app.schemas.visits import VisitFilters

router = APIRouter(include_in_schema=False)

EXAMPLES = {
    "Agreements Azerbaijan signed on energy in 2025": "/api/v1/agreements?country=AZ&sector=energy&date_from=2025&date_to=2025",
    "Agreements between Viet Nam and Azerbaijan": "/api/v1/agreements?country=VN&country=AZ",
    "The 2025 state visit and what was signed": "/api/v1/visits/state-visit-to-lam-azerbaijan-2025",
    "Search, accents optional": "/api/v1/search?q=binh%20son",
    "Visits between the two countries, oldest first": "/api/v1/visits?country=VN&sort=date",
}
LINKS = {"docs": "/docs", "redoc": "/redoc", "openapi": "/openapi.json", "health": "/health"}
NEWEST = 5
"""Records of each kind listed as the newest (latest dated first)."""
SOURCES = 100
"""Source documents listed (by id), each linked to its text."""


class Landing(BaseModel):
    name: str
    links: dict[str, str]
    examples: dict[str, str]


@router.get("/")
async def home(request: Request, session: SessionDep) -> Response:
    """HTML for browsers; the links and example queries as JSON for `Accept:
    application/json` (or anything not asking for HTML), as `/` answered before pages."""
    if "text/html" not in request.headers.get("accept", ""):
        return JSONBytes(Landing(name="treaty-api", links=LINKS, examples=EXAMPLES))
    live = request.app.state.counting
    return await page(request, session, "home.html", lambda s: home_context(s, live))


def home_context(session: Session, live: LiveIndex | None) -> dict[str, Any]:
    agreements = agreement_queries.list_page(session, live, AgreementFilters(limit=NEWEST))
    # The newest agreements' total, when exact (the counting index's, or SQL's below its
    # cap), is how many agreements there are.
    listed = agreements.page
    known = {"agreements": listed.total} if listed.total_exact else {}
    return {
        "title": "Treaties and agreements between states, every fact sourced",
        "json_href": "/api/v1/agreements",
        "json_label": "The agreements as JSON (ask / for JSON: the API's links and examples)",
        "counts": record_counts(session, known),
        "pairs": country_pairs(session),
        "agreements": agreements.page.rows,
        "visits": visit_queries.list_visits(session, VisitFilters(limit=NEWEST)).rows,
        "statements": statement_queries.list_statements(
            session, StatementFilters(limit=NEWEST)
        ).rows,
        "sources": source_queries.list_sources(session, SourceFilters(limit=SOURCES)).rows,
        "examples": EXAMPLES,
        "links": LINKS,
    }

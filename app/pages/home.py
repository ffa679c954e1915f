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
from app.queries.overview import overview

router = APIRouter(include_in_schema=False)

EXAMPLES = {
    "Agreements Azerbaijan signed on energy in 2025": "/api/v1/agreements?country=AZ&sector=energy&date_from=2025&date_to=2025",
    "Agreements between Viet Nam and Azerbaijan": "/api/v1/agreements?country=VN&country=AZ",
    "The 2025 state visit and what was signed": "/api/v1/visits/state-visit-to-lam-azerbaijan-2025",
    "Search, accents optional": "/api/v1/search?q=binh%20son",
    "Visits between the two countries, oldest first": "/api/v1/visits?country=VN&sort=date",
}
LINKS = {"docs": "/docs", "redoc": "/redoc", "openapi": "/openapi.json", "health": "/health"}


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
    held = overview(session, live)
    return {
        "title": "Treaties and agreements between states, every fact sourced",
        "json_href": "/api/v1/overview",
        "json_label": "The same as JSON (ask / for JSON: the API's links and examples)",
        **held,
        **held["newest"],
        "examples": EXAMPLES,
        "links": LINKS,
    }

"""Service endpoints: health and the landing page."""

from typing import Literal

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.api.deps import SessionDep
from app.api.formats import accepts_json
from app.errors import ServiceUnavailable

router = APIRouter(tags=["meta"])

EXAMPLES = {
    "Agreements Azerbaijan signed on energy in 2025": "/api/v1/agreements?country=AZ&sector=energy&date_from=2025&date_to=2025",
    "Agreements between Viet Nam and Azerbaijan": "/api/v1/agreements?country=VN&country=AZ",
    "The 2025 state visit and what was signed": "/api/v1/visits/state-visit-to-lam-azerbaijan-2025",
    "Search, accents optional": "/api/v1/search?q=binh%20son",
    "Visits between the two countries, oldest first": "/api/v1/visits?country=VN&sort=date",
}
LINKS = {"docs": "/docs", "redoc": "/redoc", "openapi": "/openapi.json", "health": "/health"}


class Health(BaseModel):
    status: Literal["ok"]
    database: Literal["ok"]


class Landing(BaseModel):
    name: str
    links: dict[str, str]
    examples: dict[str, str]


@router.get(
    "/health",
    summary="Liveness and database check",
    operation_id="get_health",
    dependencies=[Depends(accepts_json)],
    responses={
        503: {
            "description": "The database is unreachable",
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        }
    },
)
def health(session: SessionDep) -> Health:
    """Answers `ok` when the API runs and its database answers a query."""
    try:
        session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        raise ServiceUnavailable("The database does not answer.") from None
    return Health(status="ok", database="ok")


@router.get("/", summary="Landing page", response_model=Landing, include_in_schema=False)
def landing(request: Request) -> Landing | HTMLResponse:
    """Links to the docs and example queries: HTML for browsers, JSON for
    `Accept: application/json`."""
    landing = Landing(name="treaty-api", links=LINKS, examples=EXAMPLES)
    if "text/html" not in request.headers.get("accept", ""):
        return landing
    items = "".join(f'<li><a href="{url}">{label}</a></li>' for label, url in EXAMPLES.items())
    links = " · ".join(f'<a href="{url}">{name}</a>' for name, url in LINKS.items())
    return HTMLResponse(f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>treaty-api</title><meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem}}
</style></head><body><h1>treaty-api</h1>
<p>An open API for treaties and agreements between states; every fact cites its source.</p>
<p>{links}</p><h2>Try</h2><ul>{items}</ul></body></html>""")

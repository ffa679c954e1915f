"""`/relations/{first}/{second}`: two countries' relations as a timeline drawn on the server,
then their milestones, visits each way, agreements by sector, standing bodies and statements.
"""

from itertools import chain, islice
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from app.api.deps import SessionDep
from app.api.v1.relations import relations
from app.counting.live import LiveIndex
from app.pages.render import page
from app.pages.timeline import draw, legend
from app.queries.citations import citations_for
from app.queries.relations import iter_timeline
from app.queries.sources import source_titles
from app.schemas.relations import TimelineQuery

router = APIRouter(include_in_schema=False)
MAX_ENTRIES = 2000
"""Timeline entries drawn at most: the oldest, in the timeline's order. Viet Nam and
Azerbaijan have 39; a pair as busy as the benchmark's at a million agreements, tens of
thousands, which no reader could tell apart on one axis (the JSON and CSV have them all)."""


@router.get("/relations/{first}/{second}")
async def relations_page(
    request: Request, first: str, second: str, session: SessionDep
) -> Response:
    live = request.app.state.counting
    return await page(
        request, session, "relations.html", lambda s: relations_context(s, live, first, second)
    )


def relations_context(
    session: Session, live: LiveIndex | None, first: str, second: str
) -> dict[str, Any]:
    """The API's relations of the pair, and its whole timeline (every page of
    `/api/v1/timeline?country=<first>&country=<second>`) drawn.

    A milestone of the relations has no page of its own: its mark links to its entry on
    this page (`#milestone-<id>`), where its quotes link on to their sources."""
    found = relations(session, live, first, second)
    pair = [c.id for c in found.countries]
    here = f"/relations/{pair[0]}/{pair[1]}"

    def href(entry: dict[str, Any]) -> str:
        if entry["kind"] == "relation":
            return f"{here}#milestone-{entry['id']}"
        return f"/{entry['kind']}s/{entry['id']}"

    timeline = iter_timeline(session, TimelineQuery(country=pair), batch=MAX_ENTRIES + 1)
    entries = list(islice(chain.from_iterable(timeline), MAX_ENTRIES + 1))
    milestone_citations = citations_for(session, "relation", [m.id for m in found.milestones])
    names = " and ".join(c.name for c in found.countries)
    return {
        "title": f"{names}: relations",
        "json_href": f"/api/v1/relations/{pair[0]}/{pair[1]}",
        "timeline_href": f"/api/v1/timeline?country={pair[0]}&country={pair[1]}",
        "timeline_csv_href": f"/api/v1/timeline.csv?country={pair[0]}&country={pair[1]}",
        "found": found,
        "pair": pair,
        "drawing": draw(entries[:MAX_ENTRIES], href),
        "truncated": len(entries) > MAX_ENTRIES,
        "max_entries": MAX_ENTRIES,
        "legend": legend(),
        "milestones": [(m, milestone_citations[m.id]) for m in found.milestones],
        "sources": source_titles(
            session, [c.source_id for cs in milestone_citations.values() for c in cs]
        ),
    }

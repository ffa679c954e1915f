"""`/relations/{first}/{second}`: two countries' relations as a timeline drawn on the server,
then their milestones, visits each way, agreements by sector, standing bodies and statements.
"""

from itertools import chain, islice
from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from app.api.deps import SessionDep
from app.api.v1.relations import pair_of, relations_of
from app.counting.live import LiveIndex
from app.pages.render import page
from app.pages.timeline import draw, legend
from app.queries import relations as queries
from app.queries.agreements import ids_with_parties
from app.queries.citations import citations_for
from app.queries.sources import source_titles
from app.queries.timeline_head import timeline_head
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

    The timeline is read once: its first `MAX_ENTRIES` entries are drawn, and when that is
    all of it, the earliest and latest contacts are found among them rather than asked of
    the database again (each a union of every kind of record: 20 ms at 1M agreements).

    A milestone of the relations has no page of its own: its mark links to its entry on
    this page (`#milestone-<id>`), where its quotes link on to their sources."""
    pair = pair_of(session, first, second)
    ids = [c.id for c in pair.countries]
    here = f"/relations/{ids[0]}/{ids[1]}"

    def href(entry: dict[str, Any]) -> str:
        if entry["kind"] == "relation":
            return f"{here}#milestone-{entry['id']}"
        return f"/{entry['kind']}s/{entry['id']}"

    head = timeline_head(session, live, pair.families, (None, None), MAX_ENTRIES + 1)
    if head is not None:
        entries = head.rows
    else:
        agreement_ids = ids_with_parties(session, live, pair.families)
        timeline = queries.timeline_batches(
            session, pair.families, TimelineQuery(country=ids), agreement_ids, MAX_ENTRIES + 1
        )
        entries = list(islice(chain.from_iterable(timeline), MAX_ENTRIES + 1))
    truncated = len(entries) > MAX_ENTRIES
    contacts = None if truncated else queries.contacts_among(entries)
    found = relations_of(session, live, pair, contacts)
    milestone_citations = citations_for(session, "relation", [m.id for m in found.milestones])
    names = " and ".join(c.name for c in found.countries)
    return {
        "title": f"{names}: relations",
        "json_href": f"/api/v1/relations/{ids[0]}/{ids[1]}",
        "timeline_href": f"/api/v1/timeline?country={ids[0]}&country={ids[1]}",
        "timeline_csv_href": f"/api/v1/timeline.csv?country={ids[0]}&country={ids[1]}",
        "found": found,
        "pair": ids,
        "drawing": draw(entries[:MAX_ENTRIES], href),
        "truncated": truncated,
        "max_entries": MAX_ENTRIES,
        "legend": legend(),
        "milestones": [(m, milestone_citations[m.id]) for m in found.milestones],
        "sources": source_titles(
            session, [c.source_id for cs in milestone_citations.values() for c in cs]
        ),
    }

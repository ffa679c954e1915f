"""`/sources/{id}`: a source's whole text with every passage quoted from it highlighted, each
anchored (`#citation-<id>`, `#reading-<discrepancy>-<n>`) and followed by what it supports."""

from typing import Any

from fastapi import APIRouter, Request, Response
from sqlalchemy.orm import Session

from app.api.deps import SessionDep
from app.api.v1.sources import source_detail
from app.kinds.registry import KINDS
from app.pages.render import citation_anchor, page
from app.pages.source_text import Passage, Support, cut
from app.queries.citations import citations_of_source, readings_of_source, record_labels
from app.schemas.common import MAX_LIMIT

router = APIRouter(include_in_schema=False)


@router.get("/sources/{source_id}")
async def source_page(request: Request, source_id: str, session: SessionDep) -> Response:
    return await page(request, session, "source.html", lambda s: source_context(s, source_id))


def source_context(session: Session, source_id: str) -> dict[str, Any]:
    source = source_detail(session, source_id)
    citations = citations_of_source(session, source.id)
    readings = readings_of_source(session, source.id)
    labels = record_labels(
        session,
        {(c.record_type, c.record_id) for c in citations}
        | {(d.record_type, d.record_id) for _, d in readings},
    )
    passages = [
        Passage(
            citation_anchor(c),
            c.quote,
            support(labels[c.record_type, c.record_id], c.record_type, c.field),
        )
        for c in citations
    ] + [
        Passage(
            f"reading-{d.id}-{r.position}",
            r.quote,
            support(labels[d.record_type, d.record_id], d.record_type, f"{d.field} (disputed)"),
        )
        for r, d in readings
    ]
    runs, missing = cut(source.text, passages)
    return {
        "title": source.title,
        # The passages the page marks, as the API lists them (the text alone is linked too).
        "json_href": f"/api/v1/sources/{source.id}/citations?limit={MAX_LIMIT}",
        "json_label": "Its quoted passages as JSON",
        "source": source,
        "runs": runs,
        "missing": missing,
        "count": len(passages),
    }


def support(label: dict[str, Any], record_type: str, field: str | None) -> Support:
    """Where a passage's record is shown, and how it is named. A milestone of relations is on
    its pair's page, an agreement's event on its agreement's."""
    if record_type == "relation":
        href = f"/relations/{label['a']}/{label['b']}#milestone-{label['id']}"
        return Support(f"milestone: {label['title']}", href, field)
    if record_type == "event":
        href = f"/agreements/{label['a']}#event-{label['id']}"
        return Support(f"{label['title']} of {label['a']}", href, field)
    kind = KINDS[record_type]
    return Support(f"{record_type}: {label['title']}", f"/{kind.plural}/{label['id']}", field)

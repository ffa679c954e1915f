from typing import Annotated

import anyio.to_thread
from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from app.api.deps import SessionDep, answer, found, json_accepted, paged, run_read
from app.api.provenance import agreement_item, told
from app.api.query_models import query_model
from app.api.v1.changes import add_history_route
from app.api.v1.common import record_id
from app.api.v1.exports import Export, add_export_routes
from app.api.v1.writes import add_write_routes
from app.kinds.registry import KINDS
from app.queries import agreements as queries
from app.schemas.agreements import (
    AgreementDetail,
    AgreementFilters,
    AgreementPage,
    EventOut,
    agreement_detail_json,
    download_names,
)
from app.schemas.common import PROBLEM_RESPONSES

router = APIRouter(prefix="/agreements", tags=["agreements"], responses=PROBLEM_RESPONSES)
AgreementId = record_id("agreement", "mou-energy-vn-az-2025")
EXPORT = Export.of_kind(
    KINDS["agreement"],
    "agreements",
    queries.iter_agreements,
    lambda session, batch: [agreement_item(linked.row, linked.links) for linked in batch],
    lambda linked: download_names(linked.row, linked.links),
    lambda session, batch: [
        agreement_item(linked.row, linked.links, ("sectors",)) for linked in batch
    ],
)


@router.get(
    "",
    summary="List agreements",
    operation_id="list_agreements",
    response_model=AgreementPage,
    response_model_exclude_unset=True,
    responses={200: {"description": "A page of agreements; `Link: rel=next` while more remain."}},
)
async def list_agreements(
    request: Request,
    session: SessionDep,
    filters: Annotated[AgreementFilters, query_model(AgreementFilters)],
) -> Response:
    """Treaties, MoUs, letters of intent, joint statements and programmes, filtered and sorted.

    Repeat `country` to find agreements between several countries (e.g. `country=VN&country=AZ`).
    Each row carries its parties' codes; `include=` embeds more, `facets=` adds counts. For
    every match at once, use `/agreements.csv` or `/agreements.ndjson`. Open one for its sources.
    """
    fmt = filters.format  # old links; `Accept` is negotiated alike for every list, in front
    if fmt in ("csv", "ndjson"):  # of the routes (app.api.list_formats)
        return await anyio.to_thread.run_sync(EXPORT.download, request, session, filters, fmt)
    live = request.app.state.counting
    listing = await run_read(
        request,
        session,
        lambda s: queries.list_page(s, live, filters),
        bounded=queries.indexed(live, filters),
    )
    page = listing.page
    items = [agreement_item(row, listing.links, filters.include) for row in page.rows]
    more = {"facets": listing.facets} if listing.facets is not None else None
    return paged(request, page, items, limit=filters.limit, offset=filters.offset, more=more)


add_export_routes(router, EXPORT)


@router.get(
    "/{agreement_id}",
    summary="One agreement with its sources",
    operation_id="get_agreement",
    response_model=AgreementDetail,
    dependencies=[Depends(json_accepted)],
)
async def get_agreement(
    request: Request, agreement_id: AgreementId, session: SessionDep
) -> Response:
    """Everything about one agreement: parties, signatories with their role and side, sectors,
    the visit it was signed during, each party's actions (`events`), the agreements it refers
    to (`references`) or is referred to by (`referenced_by`), and the verbatim quotes
    (`citations`) that support it; `provenance` says how each value is known (cited, with
    the ids of its citations; inferred; or reference data). Where the sources disagree, `discrepancies` gives each
    reading with its quote."""
    return await answer(request, session, lambda s: agreement_detail(s, agreement_id))


def agreement_detail(session: Session, agreement_id: str) -> dict[str, object]:
    """What a GET answers, as `AgreementDetail`'s JSON: also what a write answers and checks
    If-Match against (the same bytes, so the same ETag)."""
    detail = found(queries.get_detail(session, agreement_id), "agreement", agreement_id)
    row = detail.row
    item = told(
        AgreementDetail,
        agreement_detail_json(detail),
        row.provenance,
        detail.links.citations.get(row.id, ()),
    )
    for event, stored in zip(item["events"], detail.events, strict=True):  # type: ignore[call-overload]
        told(EventOut, event, stored.provenance, detail.event_citations.get(stored.id, ()))
    return item


add_history_route(router, "agreement", AgreementId)
add_write_routes(
    router, KINDS["agreement"], agreement_detail, AgreementDetail, "mou-energy-vn-az-2025"
)

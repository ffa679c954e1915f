from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse

from app.api.deps import SessionDep, found, page_of
from app.api.formats import CSV, NDJSON, accepts_json, requested_format, require_acceptable, stream
from app.api.v1.changes import add_history_route
from app.api.v1.common import record_id
from app.api.v1.writes import add_write_routes
from app.curation.resources import RESOURCES
from app.queries import agreements as queries
from app.queries.citations import citations_for, discrepancies_for
from app.queries.facets import agreement_facets
from app.schemas.agreements import (
    AgreementDetail,
    AgreementFilters,
    AgreementOut,
    AgreementPage,
    AgreementQuery,
    EventOut,
)
from app.schemas.common import PROBLEM_RESPONSES, problem_responses

router = APIRouter(prefix="/agreements", tags=["agreements"], responses=PROBLEM_RESPONSES)
AgreementId = record_id("agreement", "mou-energy-vn-az-2025")
CSV_COLUMNS = [
    "id",
    "title",
    "kind",
    "date",
    "date_precision",
    "date_inferred",
    "party_codes",
    "sectors",
    "visit_id",
]
EXPORTS = {
    "csv": {
        "media_type": CSV,
        "schema": {
            "type": "string",
            "description": "RFC 4180 CSV with a header row: "
            + ", ".join(CSV_COLUMNS)
            + "; lists joined with `; `.",
        },
        "example": ",".join(CSV_COLUMNS) + "\r\nmou-energy-vn-az-2025,Memorandum of "
        "understanding on cooperation in the energy sector,mou,2025,year,True,AZ; VN,"
        "energy,state-visit-to-lam-azerbaijan-2025\r\n",
    },
    "ndjson": {
        "media_type": NDJSON,
        "schema": {
            "type": "string",
            "description": "One JSON object per line, each shaped as `AgreementOut` with "
            "`sectors`.",
        },
        "example": '{"id":"mou-energy-vn-az-2025","title":"Memorandum of understanding on '
        'cooperation in the energy sector","kind":"mou","date":"2025","date_precision":"year",'
        '"date_inferred":true,"party_codes":["AZ","VN"],"visit_id":'
        '"state-visit-to-lam-azerbaijan-2025","sectors":[{"id":"energy","name":"Energy",'
        '"parent_id":null}]}\n',
    },
}


@router.get(
    "",
    summary="List agreements",
    operation_id="list_agreements",
    response_model_exclude_unset=True,
    responses={200: {"description": "A page of agreements; `Link: rel=next` while more remain."}},
)
def list_agreements(
    request: Request,
    response: Response,
    session: SessionDep,
    filters: Annotated[AgreementFilters, Query()],
) -> AgreementPage:
    """Treaties, MoUs, letters of intent, joint statements and programmes, filtered and sorted.

    Repeat `country` to find agreements between several countries (e.g. `country=VN&country=AZ`).
    Each row carries its parties' codes; `include=` embeds more, `facets=` adds counts. For
    every match at once, use `/agreements.csv` or `/agreements.ndjson`. Open one for its sources.
    """
    fmt = requested_format(request, filters.format)
    if fmt != "json":
        return _download(request, session, filters, fmt)  # type: ignore[return-value]
    statements = queries.filtered(session, filters)
    counted = queries.count_indexed(session, request.app.state.counting, statements, filters.facets)
    page = queries.list_agreements(session, filters, statements, counted.total if counted else None)
    citations = (
        citations_for(session, "agreement", [r.id for r in page.rows])
        if "citations" in filters.include
        else {}
    )
    items = [
        AgreementOut.build(row, filters.include, citations.get(row.id, [])) for row in page.rows
    ]
    body = page_of(request, response, page, filters, items)
    if filters.facets:
        body["facets"] = (
            counted.facets
            if counted
            else agreement_facets(session, statements.for_count, filters.facets)
        )
    return AgreementPage.model_validate(body)


def _download(
    request: Request, session: SessionDep, filters: AgreementQuery, fmt: str
) -> StreamingResponse:
    rows = queries.iter_agreements(session, filters)  # type: ignore[arg-type]
    return stream(
        request,
        fmt,
        rows,
        lambda row: AgreementOut.build(row, queries.BULK_EMBEDS),  # type: ignore[return-value]
        CSV_COLUMNS,
        "agreements",
    )


def _export_route(fmt: str) -> None:
    """GET /agreements.<fmt>: every matching agreement, streamed (limit, offset and cursor do
    not apply), as its own operation with one media type."""
    media_type = EXPORTS[fmt]["media_type"]

    def export(
        request: Request, session: SessionDep, filters: Annotated[AgreementQuery, Query()]
    ) -> StreamingResponse:
        require_acceptable(request, [media_type])
        return _download(request, session, filters, fmt)

    export.__doc__ = (
        f"Every agreement matching the filters (the same as the list's), as "
        f"{fmt.upper()}, streamed in keyset batches with flat memory. Not cached "
        "(`Cache-Control: no-store`)."
    )
    content = {k: v for k, v in EXPORTS[fmt].items() if k != "media_type"}
    router.add_api_route(
        f".{fmt}",
        export,
        methods=["GET"],
        summary=f"Download every matching agreement as {fmt.upper()}",
        operation_id=f"export_agreements_{fmt}",
        response_class=StreamingResponse,
        responses={
            200: {
                "description": f"Every matching agreement as {fmt.upper()}.",
                "content": {media_type: content},
            },
            **problem_responses((406, f"The Accept header does not allow {media_type}")),
        },
    )


_export_route("csv")
_export_route("ndjson")


@router.get(
    "/{agreement_id}",
    summary="One agreement with its sources",
    operation_id="get_agreement",
    dependencies=[Depends(accepts_json)],
)
def get_agreement(agreement_id: AgreementId, session: SessionDep) -> AgreementDetail:
    """Everything about one agreement: parties, signatories with their role and side, sectors,
    the visit it was signed during, each party's actions (`events`), the agreements it refers
    to (`references`) or is referred to by (`referenced_by`), and the verbatim quotes
    (`citations`) that support it; `provenance` flags each value that is inferred or
    reference data instead. Where the sources disagree, `discrepancies` gives each
    reading with its quote."""
    row = found(queries.get_agreement(session, agreement_id), "agreement", agreement_id)
    events = queries.events_of(session, row.id)
    event_citations = citations_for(session, "event", [e.id for e in events])
    references, referenced_by = queries.references_of(session, row.id)
    return AgreementDetail.build_detail(
        row,
        citations_for(session, "agreement", [row.id])[row.id],
        [
            EventOut.model_validate({**_event_columns(e), "citations": event_citations[e.id]})
            for e in events
        ],
        discrepancies_for(session, "agreement", row.id),
        references,
        referenced_by,
    )


def _event_columns(event: object) -> dict[str, object]:
    return {
        c: getattr(event, c)
        for c in (
            "id",
            "action",
            "country_id",
            "note",
            "date",
            "date_precision",
            "date_inferred",
            "date_inferred_reason",
        )
    }


add_history_route(router, "agreement", AgreementId)
add_write_routes(
    router,
    RESOURCES["agreements"],
    get_agreement,
    "mou-energy-vn-az-2025",
)

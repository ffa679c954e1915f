from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.api.deps import SessionDep, found, page_of
from app.api.formats import DATE_COLUMNS, accepts_json, requested_format
from app.api.v1.changes import add_history_route
from app.api.v1.common import record_id
from app.api.v1.exports import Export, add_export_routes
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
from app.schemas.common import PROBLEM_RESPONSES

router = APIRouter(prefix="/agreements", tags=["agreements"], responses=PROBLEM_RESPONSES)
AgreementId = record_id("agreement", "mou-energy-vn-az-2025")
EXPORT = Export(
    name="agreements",
    noun="agreements",
    filters=AgreementQuery,
    batches=queries.iter_agreements,
    record=lambda row: AgreementOut.build(row, queries.BULK_EMBEDS).model_dump(
        mode="json", exclude_unset=True
    ),
    csv_columns=[
        "id",
        "title",
        "kind",
        *DATE_COLUMNS,
        "party_codes",
        "party_names",
        "sectors",
        "sector_names",
        "visit_id",
    ],
    csv_extra=lambda row: {
        "party_names": [p.country.name for p in row.parties],
        "sector_names": [s.sector.name for s in row.sectors],
    },
)


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
        return EXPORT.download(request, session, filters, fmt)  # type: ignore[return-value]
    statements = queries.filtered(session, filters)
    counted = queries.count_indexed(
        session, request.app.state.counting, statements, filters.facets, filters
    )
    page = queries.list_agreements(
        session,
        filters,
        statements,
        counted.total if counted else None,
        counted.page if counted else None,
    )
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


add_export_routes(router, EXPORT)


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

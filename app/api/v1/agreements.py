from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app.api.deps import SessionDep, found, page_of
from app.api.formats import requested_format, stream
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
    EventOut,
)
from app.schemas.common import PROBLEM_RESPONSES, SLUG_PATTERN

router = APIRouter(prefix="/agreements", tags=["agreements"], responses=PROBLEM_RESPONSES)
AgreementId = Annotated[
    str,
    Path(
        max_length=120,
        pattern=SLUG_PATTERN,
        examples=["mou-energy-vn-az-2025"],
        description="The agreement's id (a readable slug).",
    ),
]
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
BULK = {
    "text/csv": {
        "schema": {"type": "string"},
        "example": ",".join(CSV_COLUMNS) + "\r\nmou-energy-vn-az-2025,Memorandum of "
        "understanding on cooperation in the energy sector,mou,2025,year,True,AZ; VN,"
        "energy,state-visit-to-lam-azerbaijan-2025\r\n",
    },
    "application/x-ndjson": {"schema": {"$ref": "#/components/schemas/AgreementOut"}},
}


@router.get(
    "",
    summary="List agreements",
    response_model_exclude_unset=True,
    responses={
        200: {
            "content": BULK,
            "description": "A page of agreements (JSON), or "
            "every matching agreement as CSV (header: "
            + ", ".join(CSV_COLUMNS)
            + "; lists joined with `; `) or NDJSON.",
        }
    },
)
def list_agreements(
    request: Request,
    response: Response,
    session: SessionDep,
    filters: Annotated[AgreementFilters, Query()],
) -> AgreementPage:
    """Treaties, MoUs, letters of intent, joint statements and programmes, filtered and sorted.

    Repeat `country` to find agreements between several countries (e.g. `country=VN&country=AZ`).
    Each row carries its parties' codes; `include=` embeds more, `facets=` adds counts, and
    `format=csv|ndjson` downloads every match. Open one for its sources.
    """
    fmt = requested_format(request, filters.format)
    if fmt != "json":
        rows = queries.iter_agreements(session, filters)
        return stream(
            fmt,
            rows,
            lambda row: AgreementOut.build(row, queries.BULK_EMBEDS),  # type: ignore[return-value]
            CSV_COLUMNS,
            "agreements",
        )
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


@router.get("/{agreement_id}", summary="One agreement with its sources")
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


add_write_routes(
    router,
    RESOURCES["agreements"],
    get_agreement,
    "mou-energy-vn-az-2025",
)

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from app.api.deps import SessionDep, answer, answer_page, found, json_accepted
from app.api.provenance import agreement_item, records_of, told
from app.api.query_models import query_model
from app.api.v1.changes import add_history_route
from app.api.v1.common import record_id
from app.api.v1.exports import Export, add_export_routes
from app.api.v1.writes import add_write_routes
from app.kinds.registry import KINDS
from app.queries import agreements as agreement_queries
from app.queries import visits as queries
from app.queries.citations import citations_for, discrepancies_for
from app.schemas.agreements import AgreementQuery
from app.schemas.common import PROBLEM_RESPONSES, Page
from app.schemas.enums import Sort
from app.schemas.visits import VisitDetail, VisitFilters, VisitOut

router = APIRouter(
    prefix="/visits",
    tags=["visits"],
    responses=PROBLEM_RESPONSES,
)
VisitId = record_id("visit", "state-visit-to-lam-azerbaijan-2025")


ITEMS = records_of(VisitOut, VisitOut.model_validate)
EXPORT = Export.of_kind(
    KINDS["visit"],
    "official visits",
    queries.iter_visits,
    ITEMS,
    lambda row: {
        "guest_country_name": row.guest_country.name if row.guest_country else None,
        "host_country_name": row.host_country.name if row.host_country else None,
    },
)


@router.get(
    "",
    summary="List official visits",
    operation_id="list_visits",
    response_model=Page[VisitOut],
    dependencies=[Depends(json_accepted)],
)
async def list_visits(
    request: Request,
    session: SessionDep,
    filters: Annotated[VisitFilters, query_model(VisitFilters)],
) -> Response:
    """Who went where and when. `country` matches either side; `host` and `guest` one side."""
    return await answer_page(
        request,
        session,
        filters,
        lambda s: queries.list_visits(s, filters),
        ITEMS,
    )


add_export_routes(router, EXPORT)


def visit_detail(session: Session, visit_id: str) -> VisitDetail:
    """A visit with its guest, host, agreements (as the agreements list shows them) and
    sources: what a GET answers and a write answers with."""
    row = found(queries.get_visit(session, visit_id), "visit", visit_id)
    agreements = agreement_queries.iter_agreements(
        session, AgreementQuery(visit=visit_id, sort=Sort.TITLE)
    )
    citations = citations_for(session, "visit", [row.id])[row.id]
    values = {
        **VisitOut.model_validate(row).model_dump(),
        "summary": row.summary,
        "guest": row.guest,
        "guest_country": row.guest_country,
        "host_country": row.host_country,
        "agreements": [
            agreement_item(linked.row, linked.links) for batch in agreements for linked in batch
        ],
        "citations": citations,
        "discrepancies": discrepancies_for(session, "visit", row.id),
    }
    return VisitDetail.model_validate(told(VisitDetail, values, row.provenance, citations))


@router.get(
    "/{visit_id}",
    summary="One visit and what was signed during it",
    operation_id="get_visit",
    response_model=VisitDetail,
    dependencies=[Depends(json_accepted)],
)
async def get_visit(request: Request, visit_id: VisitId, session: SessionDep) -> Response:
    """The visit with its guest, host, the agreements signed during it, and its sources."""
    return await answer(request, session, lambda s: visit_detail(s, visit_id))


add_history_route(router, "visit", VisitId)
add_write_routes(
    router, KINDS["visit"], visit_detail, VisitDetail, "state-visit-to-lam-azerbaijan-2025"
)

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.api.deps import SessionDep, found, page_of
from app.api.formats import accepts_json
from app.api.query_models import query_model
from app.api.v1.changes import add_history_route
from app.api.v1.common import record_id
from app.api.v1.exports import Export, add_export_routes
from app.api.v1.writes import add_write_routes
from app.kinds.registry import KINDS
from app.queries import visits as queries
from app.queries.citations import citations_for, discrepancies_for
from app.schemas.agreements import AgreementOut
from app.schemas.common import PROBLEM_RESPONSES, Page
from app.schemas.visits import VisitDetail, VisitFilters, VisitOut

router = APIRouter(
    prefix="/visits",
    tags=["visits"],
    responses=PROBLEM_RESPONSES,
)
VisitId = record_id("visit", "state-visit-to-lam-azerbaijan-2025")


EXPORT = Export.of_kind(
    KINDS["visit"],
    "official visits",
    queries.iter_visits,
    lambda row: VisitOut.model_validate(row).model_dump(mode="json"),
    lambda row: {
        "guest_country_name": row.guest_country.name if row.guest_country else None,
        "host_country_name": row.host_country.name if row.host_country else None,
    },
)


@router.get(
    "",
    summary="List official visits",
    operation_id="list_visits",
    dependencies=[Depends(accepts_json)],
)
def list_visits(
    request: Request,
    response: Response,
    session: SessionDep,
    filters: Annotated[VisitFilters, query_model(VisitFilters)],
) -> Page[VisitOut]:
    """Who went where and when. `country` matches either side; `host` and `guest` one side."""
    page = queries.list_visits(session, filters)
    items = [VisitOut.model_validate(row) for row in page.rows]
    return Page[VisitOut].model_validate(page_of(request, response, page, filters, items))


add_export_routes(router, EXPORT)


@router.get(
    "/{visit_id}",
    summary="One visit and what was signed during it",
    operation_id="get_visit",
    dependencies=[Depends(accepts_json)],
)
def get_visit(visit_id: VisitId, session: SessionDep) -> VisitDetail:
    """The visit with its guest, host, the agreements signed during it, and its sources."""
    row = found(queries.get_visit(session, visit_id), "visit", visit_id)
    agreements = [AgreementOut.build(a) for a in queries.agreements_of_visit(session, row.id)]
    return VisitDetail.model_validate(
        {
            **VisitOut.model_validate(row).model_dump(),
            "summary": row.summary,
            "date_inferred_reason": row.date_inferred_reason,
            "guest": row.guest,
            "guest_country": row.guest_country,
            "host_country": row.host_country,
            "agreements": agreements,
            "citations": citations_for(session, "visit", [row.id])[row.id],
            "discrepancies": discrepancies_for(session, "visit", row.id),
        }
    )


add_history_route(router, "visit", VisitId)
add_write_routes(
    router,
    KINDS["visit"],
    get_visit,
    "state-visit-to-lam-azerbaijan-2025",
)

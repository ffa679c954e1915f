from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.api.deps import SessionDep, found, page_of
from app.api.formats import accepts_json
from app.api.query_models import query_model
from app.api.v1.common import record_id
from app.api.v1.exports import Export, add_export_routes
from app.kinds.registry import KINDS
from app.queries import bodies as queries
from app.queries.citations import citations_for, discrepancies_for
from app.schemas.bodies import BodyDetail, BodyFilters, BodyOut
from app.schemas.common import PROBLEM_RESPONSES, Page

router = APIRouter(
    prefix="/bodies",
    tags=["bodies"],
    responses=PROBLEM_RESPONSES,
)
BodyId = record_id("body", "intergovernmental-committee-vn-az")
EXPORT = Export.of_kind(
    KINDS["body"],
    "standing bodies",
    queries.iter_bodies,
    lambda row: BodyOut.of(row).model_dump(mode="json"),
    lambda row: {"country_names": [c.country.name for c in row.countries]},
)


@router.get(
    "",
    summary="List standing bodies",
    operation_id="list_bodies",
    dependencies=[Depends(accepts_json)],
)
def list_bodies(
    request: Request,
    response: Response,
    session: SessionDep,
    filters: Annotated[BodyFilters, query_model(BodyFilters)],
) -> Page[BodyOut]:
    """Intergovernmental committees, commissions and other standing bodies of two or more
    countries."""
    page = queries.list_bodies(session, filters)
    items = [BodyOut.of(row) for row in page.rows]
    return Page[BodyOut].model_validate(page_of(request, response, page, filters, items))


add_export_routes(router, EXPORT)


@router.get(
    "/{body_id}",
    summary="One standing body",
    operation_id="get_body",
    dependencies=[Depends(accepts_json)],
)
def get_body(body_id: BodyId, session: SessionDep) -> BodyDetail:
    """A standing body with its member countries, other names, sources, and where the sources
    disagree about it (`discrepancies`)."""
    row = found(queries.get_body(session, body_id), "body", body_id)
    return BodyDetail.model_validate(
        {
            **BodyOut.of(row).model_dump(),
            "date_inferred_reason": row.date_inferred_reason,
            "aliases": row.aliases,
            "summary": row.summary,
            "countries": [c.country for c in row.countries],
            "citations": citations_for(session, "body", [row.id])[row.id],
            "discrepancies": discrepancies_for(session, "body", row.id),
        }
    )

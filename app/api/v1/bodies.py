from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from app.api.deps import SessionDep, answer, answer_page, found, json_accepted
from app.api.provenance import records_of, told
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
ITEMS = records_of(BodyOut, BodyOut.of)
EXPORT = Export.of_kind(
    KINDS["body"],
    "standing bodies",
    queries.iter_bodies,
    ITEMS,
    lambda row: {"country_names": [c.country.name for c in row.countries]},
)


@router.get(
    "",
    summary="List standing bodies",
    operation_id="list_bodies",
    response_model=Page[BodyOut],
    dependencies=[Depends(json_accepted)],
)
async def list_bodies(
    request: Request,
    session: SessionDep,
    filters: Annotated[BodyFilters, query_model(BodyFilters)],
) -> Response:
    """Intergovernmental committees, commissions and other standing bodies of two or more
    countries."""
    return await answer_page(
        request, session, filters, lambda s: queries.list_bodies(s, filters), ITEMS
    )


add_export_routes(router, EXPORT)


@router.get(
    "/{body_id}",
    summary="One standing body",
    operation_id="get_body",
    response_model=BodyDetail,
    dependencies=[Depends(json_accepted)],
)
async def get_body(request: Request, body_id: BodyId, session: SessionDep) -> Response:
    """A standing body with its member countries, other names, sources, and where the sources
    disagree about it (`discrepancies`)."""
    return await answer(request, session, lambda s: body_detail(s, body_id))


def body_detail(session: Session, body_id: str) -> BodyDetail:
    row = found(queries.get_body(session, body_id), "body", body_id)
    citations = citations_for(session, "body", [row.id])[row.id]
    values = {
        **BodyOut.of(row).model_dump(),
        "aliases": row.aliases,
        "summary": row.summary,
        "countries": [c.country for c in row.countries],
        "citations": citations,
        "discrepancies": discrepancies_for(session, "body", row.id),
    }
    return BodyDetail.model_validate(told(BodyDetail, values, row.provenance, citations))

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
from app.queries import sources as queries
from app.schemas.common import PROBLEM_RESPONSES, Page
from app.schemas.sources import SourceDetail, SourceFilters, SourceOut

router = APIRouter(
    prefix="/sources",
    tags=["sources"],
    responses=PROBLEM_RESPONSES,
)
SourceId = record_id("source", "vns-baku-signing-ceremony-2025")
EXPORT = Export.of_kind(
    KINDS["source"],
    "source documents",
    queries.iter_sources,
    lambda row: SourceOut.model_validate(row).model_dump(mode="json"),
)


@router.get(
    "",
    summary="List source documents",
    operation_id="list_sources",
    dependencies=[Depends(accepts_json)],
)
def list_sources(
    request: Request,
    response: Response,
    session: SessionDep,
    filters: Annotated[SourceFilters, query_model(SourceFilters)],
) -> Page[SourceOut]:
    """The documents every citation quotes, with their SHA-256."""
    page = queries.list_sources(session, filters)
    items = [SourceOut.model_validate(row) for row in page.rows]
    return Page[SourceOut].model_validate(page_of(request, response, page, filters, items))


add_export_routes(router, EXPORT)


@router.get(
    "/{source_id}",
    summary="One source document, full text",
    operation_id="get_source",
    dependencies=[Depends(accepts_json)],
)
def get_source(source_id: SourceId, session: SessionDep) -> SourceDetail:
    """The document's full text, verbatim: every citation's `quote` is a substring of it."""
    return SourceDetail.model_validate(
        found(queries.get_source(session, source_id), "source", source_id)
    )


add_history_route(router, "source", SourceId)
add_write_routes(
    router,
    KINDS["source"],
    get_source,
    "vns-baku-signing-ceremony-2025",
)

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from app.api.deps import SessionDep, found, page_of
from app.api.formats import accepts_json
from app.api.v1.changes import add_history_route
from app.api.v1.common import record_id
from app.api.v1.writes import add_write_routes
from app.curation.resources import RESOURCES
from app.queries import sources as queries
from app.schemas.common import PROBLEM_RESPONSES, Page
from app.schemas.sources import SourceDetail, SourceFilters, SourceOut

router = APIRouter(
    prefix="/sources",
    tags=["sources"],
    responses=PROBLEM_RESPONSES,
    dependencies=[Depends(accepts_json)],
)
SourceId = record_id("source", "vns-baku-signing-ceremony-2025")


@router.get("", summary="List source documents", operation_id="list_sources")
def list_sources(
    request: Request,
    response: Response,
    session: SessionDep,
    filters: Annotated[SourceFilters, Query()],
) -> Page[SourceOut]:
    """The documents every citation quotes, with their SHA-256."""
    page = queries.list_sources(session, filters)
    items = [SourceOut.model_validate(row) for row in page.rows]
    return Page[SourceOut].model_validate(page_of(request, response, page, filters, items))


@router.get("/{source_id}", summary="One source document, full text", operation_id="get_source")
def get_source(source_id: SourceId, session: SessionDep) -> SourceDetail:
    """The document's full text, verbatim: every citation's `quote` is a substring of it."""
    return SourceDetail.model_validate(
        found(queries.get_source(session, source_id), "source", source_id)
    )


add_history_route(router, "source", SourceId)
add_write_routes(
    router,
    RESOURCES["sources"],
    get_source,
    "vns-baku-signing-ceremony-2025",
)

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from app.api.deps import SessionDep, answer, answer_page, each, found, json_accepted, run_read
from app.api.formats import require_acceptable
from app.api.query_models import query_model
from app.api.v1.changes import add_history_route
from app.api.v1.common import record_id, record_path
from app.api.v1.exports import Export, add_export_routes
from app.api.v1.writes import add_write_routes
from app.kinds.registry import KINDS
from app.queries import citations as citation_queries
from app.queries import sources as queries
from app.queries.common import PageResult
from app.schemas.common import PROBLEM_RESPONSES, Page, citation_json, problem_responses
from app.schemas.sources import (
    SourceCitationFilters,
    SourceCitationOut,
    SourceDetail,
    SourceFilters,
    SourceOut,
)

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
    each(lambda row: SourceOut.model_validate(row).model_dump(mode="json")),
)


@router.get(
    "",
    summary="List source documents",
    operation_id="list_sources",
    response_model=Page[SourceOut],
    dependencies=[Depends(json_accepted)],
)
async def list_sources(
    request: Request,
    session: SessionDep,
    filters: Annotated[SourceFilters, query_model(SourceFilters)],
) -> Response:
    """The documents every citation quotes, with their SHA-256."""
    return await answer_page(
        request,
        session,
        filters,
        lambda s: queries.list_sources(s, filters),
        each(SourceOut.model_validate),
    )


add_export_routes(router, EXPORT)


@router.get(
    "/{source_id}",
    summary="One source document, full text",
    operation_id="get_source",
    response_model=SourceDetail,
    dependencies=[Depends(json_accepted)],
)
async def get_source(request: Request, source_id: SourceId, session: SessionDep) -> Response:
    """The document's full text, verbatim: every citation's `quote` is a substring of it."""
    return await answer(request, session, lambda s: source_detail(s, source_id))


TEXT = "text/plain; charset=utf-8"


@router.get(
    "/{source_id}/text",
    summary="One source document's text, verbatim",
    operation_id="get_source_text",
    response_class=Response,
    responses={
        200: {
            "description": "The exact text whose SHA-256 the source gives (UTF-8); its `ETag` "
            "is the start of that digest.",
            "content": {
                TEXT: {"schema": {"type": "string"}, "example": "BAKU — General Secretary ..."}
            },
        },
        **problem_responses((406, "The Accept header does not allow text/plain")),
    },
)
async def get_source_text(request: Request, source_id: SourceId, session: SessionDep) -> Response:
    """The document's text and nothing else, byte for byte as stored: the SHA-256 of the
    body is the source's `sha256`, and every citation's `TextPositionSelector` (`start`,
    `end`, in Unicode code points) cuts its `exact` quote out of it. What to annotate or
    search a quote in, and how a client checks a quote itself."""
    require_acceptable(request, ["text/plain"])
    text = await run_read(
        request,
        session,
        lambda s: found(queries.get_source_text(s, source_id), "source", source_id),
        bounded=True,
    )
    return Response(text.encode("utf-8"), media_type=TEXT)


@router.get(
    "/{source_id}/citations",
    summary="The passages of one source quoted by records",
    operation_id="list_source_citations",
    response_model=Page[SourceCitationOut],
    dependencies=[Depends(json_accepted)],
)
async def list_source_citations(
    request: Request,
    source_id: SourceId,
    session: SessionDep,
    filters: Annotated[SourceCitationFilters, query_model(SourceCitationFilters)],
) -> Response:
    """Every citation quoting the source, whatever record it supports, in the order the
    quotes stand in its text: each with its W3C selectors into `/sources/{id}/text` and the
    record it supports. What the source's page (`/sources/{id}`) highlights, for a client
    that annotates the text itself."""

    def page_of(s: Session) -> PageResult:
        found(queries.source_exists(s, source_id), "source", source_id)
        return citation_queries.source_citations(s, source_id, filters)

    return await answer_page(
        request,
        session,
        filters,
        page_of,
        each(source_citation),
    )


def source_citation(row: tuple[Any, dict[str, Any]]) -> SourceCitationOut:
    """A citation of the source (a `citations` row) with the record it supports (its label:
    `app.queries.citations.record_labels`)."""
    citation, label = row
    path = record_path(label["type"], label["id"], label["a"], label["b"])
    record = {"type": label["type"], "id": label["id"], "title": label["title"], "url": path}
    return SourceCitationOut.model_validate(citation_json(citation) | {"record": record})


def source_detail(session: Session, source_id: str) -> SourceDetail:
    return SourceDetail.model_validate(
        found(queries.get_source(session, source_id), "source", source_id)
    )


add_history_route(router, "source", SourceId)
add_write_routes(
    router,
    KINDS["source"],
    source_detail,
    SourceDetail,
    "vns-baku-signing-ceremony-2025",
)

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.api.deps import SessionDep, answer_page, json_accepted
from app.api.provenance import entries_of
from app.api.query_models import query_model
from app.kinds.registry import KINDS
from app.queries import search as queries
from app.schemas.common import PROBLEM_RESPONSES, Page
from app.schemas.search import SearchFilters, SearchHit

router = APIRouter(
    prefix="/search",
    tags=["search"],
    responses=PROBLEM_RESPONSES,
    dependencies=[Depends(json_accepted)],
)


@router.get(
    "", summary="Search every kind of record", operation_id="search", response_model=Page[SearchHit]
)
async def search(
    request: Request,
    session: SessionDep,
    filters: Annotated[SearchFilters, query_model(SearchFilters)],
) -> Response:
    """One query across agreements, visits, signatories, standing bodies and countries (in
    any of their languages); each hit says its kind.
    Case- and accent-insensitive: `binh son` finds `Bình Sơn`."""
    return await answer_page(
        request, session, filters, lambda s: queries.search(s, filters), entries_of(SearchHit, hit)
    )


def hit(row: dict[str, object]) -> SearchHit:
    return SearchHit(**row, url=f"/api/v1/{KINDS[str(row['kind'])].plural}/{row['id']}")

from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response

from app.api.deps import SessionDep, page_of
from app.api.formats import accepts_json
from app.api.query_models import query_model
from app.queries import search as queries
from app.schemas.common import PROBLEM_RESPONSES, Page
from app.schemas.search import SearchFilters, SearchHit

router = APIRouter(
    prefix="/search",
    tags=["search"],
    responses=PROBLEM_RESPONSES,
    dependencies=[Depends(accepts_json)],
)
PATHS = {
    "agreement": "agreements",
    "visit": "visits",
    "signatory": "signatories",
    "body": "bodies",
    "country": "countries",
}


@router.get("", summary="Search every kind of record", operation_id="search")
def search(
    request: Request,
    response: Response,
    session: SessionDep,
    filters: Annotated[SearchFilters, query_model(SearchFilters)],
) -> Page[SearchHit]:
    """One query across agreements, visits, signatories, standing bodies and countries (in
    any of their languages); each hit says its kind.
    Case- and accent-insensitive: `binh son` finds `Bình Sơn`."""
    page = queries.search(session, filters)
    items = [
        SearchHit(**row, url=f"/api/v1/{PATHS[str(row['kind'])]}/{row['id']}") for row in page.rows
    ]
    return Page[SearchHit].model_validate(page_of(request, response, page, filters, items))

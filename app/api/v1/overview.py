from fastapi import APIRouter, Depends, Request, Response

from app.api.deps import SessionDep, answer, json_accepted
from app.queries.overview import overview
from app.schemas.common import PROBLEM_RESPONSES
from app.schemas.overview import Overview

router = APIRouter(prefix="/overview", tags=["overview"], responses=PROBLEM_RESPONSES)


@router.get(
    "",
    summary="What the database holds",
    operation_id="get_overview",
    response_model=Overview,
    dependencies=[Depends(json_accepted)],
)
async def get_overview(request: Request, session: SessionDep) -> Response:
    """Records of each kind, the pairs of countries whose relations are recorded, the
    newest agreements, visits and statements, and the source documents: what the start
    page (`/`) shows, in one request."""
    live = request.app.state.counting
    return await answer(
        request, session, lambda s: Overview.model_validate(overview(s, live)), bounded=False
    )

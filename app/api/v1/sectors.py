from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from app.api.deps import SessionDep, answer, each, found, json_accepted, paged, run_read
from app.api.query_models import query_model
from app.api.responses import plain
from app.api.v1.changes import add_history_route
from app.api.v1.common import record_id
from app.api.v1.exports import Export, add_export_routes
from app.api.v1.writes import add_write_routes
from app.kinds.registry import KINDS
from app.queries import sectors as queries
from app.queries.common import PageResult
from app.schemas.common import PROBLEM_RESPONSES, Page
from app.schemas.sectors import SectorDetail, SectorFilters, SectorOut

router = APIRouter(
    prefix="/sectors",
    tags=["sectors"],
    responses=PROBLEM_RESPONSES,
)
SectorId = record_id("sector", "energy")
EXPORT = Export.of_kind(
    KINDS["sector"],
    "sectors",
    queries.iter_sectors,
    each(lambda pair: _sector(*pair).model_dump(mode="json")),
)


@router.get(
    "",
    summary="List sectors",
    operation_id="list_sectors",
    response_model=Page[SectorOut],
    dependencies=[Depends(json_accepted)],
)
async def list_sectors(
    request: Request,
    session: SessionDep,
    filters: Annotated[SectorFilters, query_model(SectorFilters)],
) -> Response:
    """The sector tree, each node with its agreement count (sub-sectors included)."""

    def work(s: Session) -> tuple[PageResult, list[dict[str, object]]]:
        page, counts = queries.list_sectors(s, filters)
        return page, [plain(_sector(row, counts[row.id])) for row in page.rows]

    page, items = await run_read(request, session, work, bounded=False)
    return paged(request, page, items, limit=filters.limit, offset=filters.offset)


def _sector(row: object, agreement_count: int) -> SectorOut:
    columns = {c: getattr(row, c) for c in ("id", "name", "parent_id")}
    return SectorOut.model_validate({**columns, "agreement_count": agreement_count})


add_export_routes(router, EXPORT)


@router.get(
    "/{sector_id}",
    summary="One sector",
    operation_id="get_sector",
    response_model=SectorDetail,
    dependencies=[Depends(json_accepted)],
)
async def get_sector(request: Request, sector_id: SectorId, session: SessionDep) -> Response:
    """A sector with its place in the tree and its agreement count."""
    return await answer(request, session, lambda s: sector_detail(s, sector_id))


def sector_detail(session: Session, sector_id: str) -> SectorDetail:
    row = found(queries.get_sector(session, sector_id), "sector", sector_id)
    tree = queries.sector_tree(session)
    return SectorDetail(
        id=row.id,
        name=row.name,
        parent_id=row.parent_id,
        description=row.description,
        agreement_count=queries.agreement_counts(session, [row.id])[row.id],
        ancestors=queries.ancestors(tree, row.id),
        children=sorted(k for k, parent in tree.items() if parent == row.id),
    )


add_history_route(router, "sector", SectorId)
add_write_routes(
    router,
    KINDS["sector"],
    sector_detail,
    SectorDetail,
    "energy",
)

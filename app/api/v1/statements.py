from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from sqlalchemy.orm import Session

from app.api.deps import SessionDep, answer, answer_page, found, json_accepted
from app.api.provenance import records_of, told
from app.api.query_models import query_model
from app.api.v1.changes import add_history_route
from app.api.v1.common import record_id
from app.api.v1.exports import Export, add_export_routes
from app.api.v1.writes import add_write_routes
from app.kinds.registry import KINDS
from app.queries import statements as queries
from app.queries.citations import citations_for, discrepancies_for
from app.schemas.common import PROBLEM_RESPONSES, Page
from app.schemas.statements import StatementDetail, StatementFilters, StatementOut

router = APIRouter(prefix="/statements", tags=["statements"], responses=PROBLEM_RESPONSES)
StatementId = record_id("statement", "aliyev-education-logistics-2025")
ITEMS = records_of(StatementOut, StatementOut.of)
EXPORT = Export.of_kind(
    KINDS["statement"],
    "statements",
    queries.iter_statements,
    ITEMS,
)


@router.get(
    "",
    summary="List statements",
    operation_id="list_statements",
    response_model=Page[StatementOut],
    dependencies=[Depends(json_accepted)],
)
async def list_statements(
    request: Request,
    session: SessionDep,
    filters: Annotated[StatementFilters, query_model(StatementFilters)],
) -> Response:
    """What the parties say: remarks, assessments, proposals, pledges, plans and positions,
    each by the countries that make it and on the sectors it concerns. What did Azerbaijan
    propose in logistics? `country=AZ&sector=logistics`."""
    return await answer_page(
        request, session, filters, lambda s: queries.list_statements(s, filters), ITEMS
    )


add_export_routes(router, EXPORT)


def statement_detail(session: Session, statement_id: str) -> StatementDetail:
    row = found(queries.get_statement(session, statement_id), "statement", statement_id)
    citations = citations_for(session, "statement", [row.id])[row.id]
    values = {
        **StatementOut.of(row).model_dump(),
        "summary": row.summary,
        "speaker": row.speaker,
        "countries": [c.country for c in row.countries],
        "sectors": [s.sector for s in row.sectors],
        "visit": row.visit,
        "references": [r.agreement for r in row.references],
        "citations": citations,
        "discrepancies": discrepancies_for(session, "statement", row.id),
    }
    return StatementDetail.model_validate(told(StatementDetail, values, row.provenance, citations))


@router.get(
    "/{statement_id}",
    summary="One statement with its sources",
    operation_id="get_statement",
    response_model=StatementDetail,
    dependencies=[Depends(json_accepted)],
)
async def get_statement(
    request: Request, statement_id: StatementId, session: SessionDep
) -> Response:
    """The statement with who made it, when, on which sectors, the instruments it invokes,
    and the verbatim quotes that support it."""
    return await answer(request, session, lambda s: statement_detail(s, statement_id))


add_history_route(router, "statement", StatementId)
add_write_routes(
    router, KINDS["statement"], statement_detail, StatementDetail, "aliyev-education-logistics-2025"
)

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
from app.queries import signatories as queries
from app.queries.citations import citations_for
from app.schemas.common import PROBLEM_RESPONSES, Page
from app.schemas.signatories import (
    SignatoryDetail,
    SignatoryFilters,
    SignatoryOut,
)

router = APIRouter(
    prefix="/signatories",
    tags=["signatories"],
    responses=PROBLEM_RESPONSES,
)
SignatoryId = record_id("signatory", "petrovietnam")
ITEMS = records_of(SignatoryOut, SignatoryOut.model_validate)
EXPORT = Export.of_kind(
    KINDS["signatory"],
    "signatories",
    queries.iter_signatories,
    ITEMS,
    lambda row: {"country_name": row.country.name if row.country else None},
)


@router.get(
    "",
    summary="List signatories",
    operation_id="list_signatories",
    response_model=Page[SignatoryOut],
    dependencies=[Depends(json_accepted)],
)
async def list_signatories(
    request: Request,
    session: SessionDep,
    filters: Annotated[SignatoryFilters, query_model(SignatoryFilters)],
) -> Response:
    """Governments, ministries, companies, parties, offices and people who sign or visit."""
    return await answer_page(
        request,
        session,
        filters,
        lambda s: queries.list_signatories(s, filters),
        ITEMS,
    )


add_export_routes(router, EXPORT)


@router.get(
    "/{signatory_id}",
    summary="One signatory",
    operation_id="get_signatory",
    response_model=SignatoryDetail,
    dependencies=[Depends(json_accepted)],
)
async def get_signatory(
    request: Request, signatory_id: SignatoryId, session: SessionDep
) -> Response:
    """A signatory with its country, other names, the agreements it took part in, and sources."""
    return await answer(request, session, lambda s: signatory_detail(s, signatory_id))


def signatory_detail(session: Session, signatory_id: str) -> SignatoryDetail:
    row = found(queries.get_signatory(session, signatory_id), "signatory", signatory_id)
    citations = citations_for(session, "signatory", [row.id])[row.id]
    values = {
        **SignatoryOut.model_validate(row).model_dump(),
        "aliases": row.aliases,
        "external_ids": row.external_ids,
        "description": row.description,
        "country": row.country,
        "agreement_ids": queries.agreement_ids_of_signatory(session, row.id),
        "citations": citations,
    }
    return SignatoryDetail.model_validate(told(SignatoryDetail, values, row.provenance, citations))


add_history_route(router, "signatory", SignatoryId)
add_write_routes(
    router,
    KINDS["signatory"],
    signatory_detail,
    SignatoryDetail,
    "petrovietnam",
)

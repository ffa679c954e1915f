from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response

from app.api.deps import SessionDep, found, page_of
from app.queries import agreements as queries
from app.queries.citations import citations_for, discrepancies_for
from app.schemas.agreements import AgreementDetail, AgreementFilters, AgreementOut
from app.schemas.common import PROBLEM_RESPONSES, Page

router = APIRouter(prefix="/agreements", tags=["agreements"], responses=PROBLEM_RESPONSES)
AgreementId = Annotated[
    str,
    Path(
        max_length=120,
        examples=["mou-energy-vn-az-2025"],
        description="The agreement's id (a readable slug).",
    ),
]


@router.get("", summary="List agreements")
def list_agreements(
    request: Request,
    response: Response,
    session: SessionDep,
    filters: Annotated[AgreementFilters, Query()],
) -> Page[AgreementOut]:
    """Treaties, MoUs, letters of intent, joint statements and programmes, filtered and sorted.

    Repeat `country` to find agreements between several countries (e.g. `country=VN&country=AZ`).
    Each row carries its parties' codes; open one for its signatories, sectors and sources.
    """
    page = queries.list_agreements(session, filters)
    items = [AgreementOut.build(row) for row in page.rows]
    return Page[AgreementOut].model_validate(page_of(request, response, page, filters, items))


@router.get("/{agreement_id}", summary="One agreement with its sources")
def get_agreement(agreement_id: AgreementId, session: SessionDep) -> AgreementDetail:
    """Everything about one agreement: parties, signatories with their role and side, sectors,
    the visit it was signed during, and the verbatim quotes (`citations`) that support it.
    Where the sources disagree, `discrepancies` gives each reading with its quote."""
    row = found(queries.get_agreement(session, agreement_id), "agreement", agreement_id)
    return AgreementDetail.build(
        row,
        citations_for(session, "agreement", [row.id])[row.id],
        discrepancies_for(session, "agreement", row.id),
    )

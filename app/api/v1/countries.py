from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response
from sqlalchemy.orm import Session

from app.api.deps import SessionDep, answer, answer_page, found, json_accepted
from app.api.provenance import records_of, told
from app.api.query_models import query_model
from app.api.v1.exports import Export, add_export_routes
from app.kinds.registry import KINDS
from app.queries import countries as queries
from app.queries.citations import citations_for
from app.schemas.common import COUNTRY_CODE, PROBLEM_RESPONSES, Page
from app.schemas.countries import CountryDetail, CountryFilters, CountryOut

router = APIRouter(
    prefix="/countries",
    tags=["countries"],
    responses=PROBLEM_RESPONSES,
)
CountryCode = Annotated[
    str,
    Path(
        max_length=40,
        pattern=COUNTRY_CODE,
        examples=["VN"],
        description="ISO alpha-2 or alpha-3 in any case (`VN`, "
        "`vnm`), or a historical entity's id (`SUHH`).",
    ),
]


ITEMS = records_of(CountryOut, CountryOut.model_validate)
EXPORT = Export.of_kind(
    KINDS["country"],
    "countries and historical entities",
    queries.iter_countries,
    ITEMS,
)


@router.get(
    "",
    summary="List countries and historical entities",
    operation_id="list_countries",
    response_model=Page[CountryOut],
    dependencies=[Depends(json_accepted)],
)
async def list_countries(
    request: Request,
    session: SessionDep,
    filters: Annotated[CountryFilters, query_model(CountryFilters)],
) -> Response:
    """Every ISO 3166-1 country, plus historical entities (ISO 3166-3 and others, such as the
    Azerbaijan SSR) linked to their present-day successor."""
    return await answer_page(
        request,
        session,
        filters,
        lambda s: queries.list_countries(s, filters),
        ITEMS,
    )


add_export_routes(router, EXPORT)


@router.get(
    "/{code}",
    summary="One country by ISO code",
    operation_id="get_country",
    response_model=CountryDetail,
    dependencies=[Depends(json_accepted)],
)
async def get_country(request: Request, code: CountryCode, session: SessionDep) -> Response:
    """A country with its codes, names (also in the parties' and the UN languages), successor
    or predecessors, and sources where curated. ISO codes and names are reference data (ISO
    3166 via pycountry), as `provenance` says field by field."""
    return await answer(request, session, lambda s: country_detail(s, code))


def country_detail(session: Session, code: str) -> CountryDetail:
    row = found(queries.get_country(session, code), "country", code)
    citations = citations_for(session, "country", [row.id])[row.id]
    values = {
        **CountryOut.model_validate(row).model_dump(),
        "official_name": row.official_name,
        "external_ids": row.external_ids,
        "aliases": row.aliases,
        "names": row.names,
        "valid_from": row.valid_from,
        "valid_to": row.valid_to,
        "note": row.note,
        "successor": row.successor,
        "part_of": row.part_of,
        "predecessors": queries.predecessors_of(session, row.id),
        "citations": citations,
    }
    return CountryDetail.model_validate(told(CountryDetail, values, row.provenance, citations))

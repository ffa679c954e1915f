from collections.abc import Iterator

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from app.models import Body, BodyCountry
from app.queries.common import PageResult, SortKey, country_family, keyset_batches
from app.queries.facets import FacetSet, countries, values
from app.queries.text_search import text_match
from app.schemas.bodies import BodyFilters, BodyQuery

BY_NAME = SortKey.by_column("name", Body.name, Body.id)
FACETS = FacetSet.of(
    BodyFilters,
    Body.id,
    {
        "country": countries((BodyCountry.country_id, BodyCountry.body_id)),
        "kind": values(Body.kind, Body.id),
    },
)


def filter_bodies(session: Session, f: BodyQuery) -> Select[tuple[Body]]:
    stmt = select(Body)
    if f.country:
        members = select(BodyCountry.body_id).where(
            BodyCountry.country_id.in_(country_family(session, "country", f.country))
        )
        stmt = stmt.where(Body.id.in_(members))
    if f.kind:
        stmt = stmt.where(Body.kind == f.kind)
    if f.q:
        stmt = stmt.where(text_match(session, Body, f.q))
    return stmt


def list_bodies(session: Session, f: BodyFilters) -> PageResult:
    stmt = filter_bodies(session, f).options(selectinload(Body.countries))
    return FACETS.page(session, stmt, BY_NAME, f)


def iter_bodies(session: Session, f: BodyQuery) -> Iterator[list[Body]]:
    """Every matching body with its member countries, in keyset batches."""
    stmt = filter_bodies(session, f).options(
        selectinload(Body.countries).selectinload(BodyCountry.country)
    )
    return keyset_batches(session, stmt, BY_NAME)


def bodies_of_both(session: Session, families: list[list[str]]) -> list[Body]:
    """Standing bodies with a member from each family (a country and its predecessors)."""
    stmt = select(Body).options(selectinload(Body.countries)).order_by(Body.name, Body.id)
    for family in families:
        stmt = stmt.where(
            Body.id.in_(select(BodyCountry.body_id).where(BodyCountry.country_id.in_(family)))
        )
    return list(session.scalars(stmt))


def get_body(session: Session, body_id: str) -> Body | None:
    stmt = (
        select(Body)
        .where(Body.id == body_id)
        .options(selectinload(Body.countries).selectinload(BodyCountry.country))
    )
    return session.scalars(stmt).first()

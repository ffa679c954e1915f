from collections.abc import Iterator

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload

from app.models import Country
from app.queries.common import PageResult, SortKey, keyset_batches, paginate, resolve_country
from app.queries.text_search import text_match
from app.schemas.countries import CountryFilters, CountryQuery

BY_NAME = SortKey.by_column("name", Country.name, Country.id)


def filter_countries(session: Session, f: CountryQuery) -> Select[tuple[Country]]:
    stmt = select(Country)
    if f.historical is not None:
        stmt = stmt.where(Country.is_historical.is_(f.historical))
    if f.q:
        stmt = stmt.where(text_match(session, Country, f.q))
    if f.wikidata:
        stmt = stmt.where(Country.external_ids["wikidata"].as_string() == f.wikidata)
    return stmt


def list_countries(session: Session, f: CountryFilters) -> PageResult:
    stmt = filter_countries(session, f)
    return paginate(session, stmt, BY_NAME, limit=f.limit, offset=f.offset, cursor=f.cursor)


def iter_countries(session: Session, f: CountryQuery) -> Iterator[list[Country]]:
    return keyset_batches(session, filter_countries(session, f), BY_NAME)


def get_country(session: Session, code: str) -> Country | None:
    country = resolve_country(session, code)
    if country is None:
        return None
    stmt = (
        select(Country)
        .where(Country.id == country.id)
        .options(joinedload(Country.successor), joinedload(Country.part_of))
        .execution_options(populate_existing=True)
    )
    return session.scalars(stmt).first()


def predecessors_of(session: Session, country_id: str) -> list[Country]:
    return list(
        session.scalars(
            select(Country).where(Country.successor_id == country_id).order_by(Country.id)
        )
    )

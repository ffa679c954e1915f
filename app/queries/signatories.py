from collections.abc import Iterator

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, joinedload, selectinload

from app.models import AgreementSignatory, Signatory
from app.queries.common import PageResult, SortKey, country_family, keyset_batches
from app.queries.facets import FacetSet, countries, values
from app.queries.text_search import text_match
from app.schemas.signatories import SignatoryFilters, SignatoryQuery

BY_NAME = SortKey.by_column("name", Signatory.name, Signatory.id)
FACETS = FacetSet.of(
    SignatoryFilters,
    Signatory.id,
    {
        "country": countries((Signatory.country_id, Signatory.id)),
        "kind": values(Signatory.kind, Signatory.id),
    },
)


def filter_signatories(session: Session, f: SignatoryQuery) -> Select[tuple[Signatory]]:
    stmt = select(Signatory)
    if f.country:
        stmt = stmt.where(Signatory.country_id.in_(country_family(session, "country", f.country)))
    if f.kind:
        stmt = stmt.where(Signatory.kind == f.kind)
    if f.q:
        stmt = stmt.where(text_match(session, Signatory, f.q))
    if f.wikidata:
        stmt = stmt.where(Signatory.external_ids["wikidata"].as_string() == f.wikidata)
    return stmt


def list_signatories(session: Session, f: SignatoryFilters) -> PageResult:
    stmt = filter_signatories(session, f)
    return FACETS.page(session, stmt, BY_NAME, f)


def iter_signatories(session: Session, f: SignatoryQuery) -> Iterator[list[Signatory]]:
    """Every matching signatory with its country, in keyset batches."""
    stmt = filter_signatories(session, f).options(selectinload(Signatory.country))
    return keyset_batches(session, stmt, BY_NAME)


def get_signatory(session: Session, signatory_id: str) -> Signatory | None:
    stmt = (
        select(Signatory).where(Signatory.id == signatory_id).options(joinedload(Signatory.country))
    )
    return session.scalars(stmt).first()


def agreement_ids_of_signatory(session: Session, signatory_id: str) -> list[str]:
    return list(
        session.scalars(
            select(AgreementSignatory.agreement_id)
            .distinct()
            .where(AgreementSignatory.signatory_id == signatory_id)
            .order_by(AgreementSignatory.agreement_id)
        )
    )

from collections.abc import Iterable, Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Source
from app.queries.common import PageResult, SortKey, keyset_batches
from app.queries.facets import FacetSet, values
from app.schemas.sources import SourceFilters, SourceQuery

BY_ID = SortKey.by_column("id", Source.id, Source.id)
FACETS = FacetSet.of(
    SourceFilters,
    Source.id,
    {"kind": values(Source.kind, Source.id), "language": values(Source.language, Source.id)},
)


def list_sources(session: Session, f: SourceFilters) -> PageResult:
    stmt = select(Source)
    return FACETS.page(session, stmt, BY_ID, f)


def iter_sources(session: Session, f: SourceQuery) -> Iterator[list[Source]]:
    return keyset_batches(session, select(Source), BY_ID)


def get_source(session: Session, source_id: str) -> Source | None:
    return session.get(Source, source_id)


def source_exists(session: Session, source_id: str) -> str | None:
    """The source's id if there is one (without reading its text)."""
    return session.scalar(select(Source.id).where(Source.id == source_id))


def source_titles(session: Session, source_ids: Iterable[str]) -> dict[str, str]:
    """The titles of the sources named, by id, in one statement (none for no ids)."""
    wanted = sorted(set(source_ids))
    if not wanted:
        return {}
    rows = session.execute(select(Source.id, Source.title).where(Source.id.in_(wanted)))
    return {source_id: title for source_id, title in rows}


def get_source_text(session: Session, source_id: str) -> str | None:
    return session.scalar(select(Source.text).where(Source.id == source_id))

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Source
from app.queries.common import PageResult, SortKey, keyset_batches, paginate
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
    page = paginate(session, stmt, BY_ID, limit=f.limit, offset=f.offset, cursor=f.cursor)
    return FACETS.on(page, session, stmt, f.facets)


def iter_sources(session: Session, f: SourceQuery) -> Iterator[list[Source]]:
    return keyset_batches(session, select(Source), BY_ID)


def get_source(session: Session, source_id: str) -> Source | None:
    return session.get(Source, source_id)

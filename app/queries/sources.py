from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Source
from app.queries.common import PageResult, SortKey, keyset_batches, paginate
from app.schemas.common import CursorParams
from app.schemas.sources import SourceQuery

BY_ID = SortKey.by_column("id", Source.id, Source.id)


def list_sources(session: Session, f: CursorParams) -> PageResult:
    return paginate(session, select(Source), BY_ID, limit=f.limit, offset=f.offset, cursor=f.cursor)


def iter_sources(session: Session, f: SourceQuery) -> Iterator[list[Source]]:
    return keyset_batches(session, select(Source), BY_ID)


def get_source(session: Session, source_id: str) -> Source | None:
    return session.get(Source, source_id)


def get_source_text(session: Session, source_id: str) -> str | None:
    return session.scalar(select(Source.text).where(Source.id == source_id))

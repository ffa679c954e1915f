from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Source
from app.queries.common import PageResult, SortKey, paginate
from app.schemas.common import CursorParams

BY_ID = SortKey.by_column("id", Source.id, Source.id)


def list_sources(session: Session, f: CursorParams) -> PageResult:
    return paginate(session, select(Source), BY_ID, limit=f.limit, offset=f.offset, cursor=f.cursor)


def get_source(session: Session, source_id: str) -> Source | None:
    return session.get(Source, source_id)

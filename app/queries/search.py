"""One query over every searchable kind, each hit labelled with its kind."""

from sqlalchemy import Select, literal, null, select, union_all
from sqlalchemy.orm import Session

from app.models import Agreement, Body, Country, Signatory, Statement, Visit
from app.queries.common import PageResult, capped_count
from app.queries.text_search import resolve
from app.schemas.search import SearchFilters

KINDS = (
    ("agreement", Agreement, Agreement.title, Agreement.date),
    ("visit", Visit, Visit.title, Visit.date),
    ("signatory", Signatory, Signatory.name, None),
    ("body", Body, Body.name, Body.date),
    ("country", Country, Country.name, None),
    ("statement", Statement, Statement.title, Statement.date),
)


def search(session: Session, f: SearchFilters) -> PageResult:
    q = resolve(session, f.q)  # once for every kind
    parts: list[Select[tuple[object, ...]]] = [
        select(
            literal(rank).label("rank"),
            literal(kind).label("kind"),
            model.id.label("id"),
            title.label("title"),
            (date if date is not None else null()).label("date"),
            model.provenance.label("provenance"),
        ).where(q.condition(model))
        for rank, (kind, model, title, date) in enumerate(KINDS)
        if not f.kind or kind in f.kind
    ]
    hits = union_all(*parts).subquery()
    total = capped_count(session, select(hits))
    rows = (
        session.execute(
            select(hits.c.kind, hits.c.id, hits.c.title, hits.c.date, hits.c.provenance)
            .order_by(hits.c.rank, hits.c.title, hits.c.id)
            .limit(f.limit)
            .offset(f.offset)
        )
        .mappings()
        .all()
    )
    return PageResult.counted([dict(row) for row in rows], total, None)

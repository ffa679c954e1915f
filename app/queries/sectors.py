"""The sector tree: listed by id, rolled up (a sector counts its sub-sectors' agreements) by
a recursive query."""

from collections.abc import Iterator

from sqlalchemy import CTE, Select, func, select
from sqlalchemy.orm import Session

from app.models import AgreementSector, Sector
from app.queries.common import PageResult, SortKey, keyset_batches, paginate, require
from app.schemas.sectors import SectorFilters, SectorQuery

BY_ID = SortKey.by_column("id", Sector.id, Sector.id)


def filter_sectors(session: Session, f: SectorQuery) -> Select[tuple[Sector]]:
    stmt = select(Sector)
    if f.parent:
        require(session, Sector, f.parent, "parent")
        stmt = stmt.where(Sector.parent_id == f.parent)
    return stmt


def list_sectors(session: Session, f: SectorFilters) -> tuple[PageResult, dict[str, int]]:
    stmt = filter_sectors(session, f)
    page = paginate(session, stmt, BY_ID, limit=f.limit, offset=f.offset, cursor=f.cursor)
    return page, agreement_counts(session, [s.id for s in page.rows])


def iter_sectors(session: Session, f: SectorQuery) -> Iterator[list[tuple[Sector, int]]]:
    """Every matching sector with its agreement count, in keyset batches (one count
    statement per batch)."""
    batches = keyset_batches(session, filter_sectors(session, f), BY_ID)
    return (_with_counts(session, batch) for batch in batches)


def _with_counts(session: Session, batch: list[Sector]) -> list[tuple[Sector, int]]:
    counts = agreement_counts(session, [s.id for s in batch])
    return [(s, counts[s.id]) for s in batch]


def get_sector(session: Session, sector_id: str) -> Sector | None:
    return session.get(Sector, sector_id)


def sector_tree(session: Session) -> dict[str, str | None]:
    return dict(session.execute(select(Sector.id, Sector.parent_id)).all())


def ancestors(tree: dict[str, str | None], sector_id: str) -> list[str]:
    chain: list[str] = []
    parent = tree.get(sector_id)
    while parent and parent not in chain:
        chain.insert(0, parent)
        parent = tree.get(parent)
    return chain


def sector_rollup(owners: list[str] | None = None) -> CTE:
    """(owner, node) for each sector `owner` (all when None) and every node of its subtree,
    itself included: one recursive query, so any depth works (a compound SELECT of one term
    per pair broke SQLite's 500-term limit at 35 levels). UNION ends the walk on a cycle."""
    base = select(Sector.id.label("owner"), Sector.id.label("node"))
    if owners is not None:
        base = base.where(Sector.id.in_(owners))
    walk = base.cte("sector_rollup", recursive=True)
    return walk.union(select(walk.c.owner, Sector.id).join(walk, Sector.parent_id == walk.c.node))


def agreement_counts(session: Session, sector_ids: list[str]) -> dict[str, int]:
    """Distinct agreements per sector, sub-sectors included, in one statement."""
    if not sector_ids:
        return {}
    walk = sector_rollup(sector_ids)
    rows = session.execute(
        select(walk.c.owner, func.count(AgreementSector.agreement_id.distinct()))
        .select_from(walk)
        .join(AgreementSector, AgreementSector.sector_id == walk.c.node)
        .group_by(walk.c.owner)
    ).all()
    counts = dict.fromkeys(sector_ids, 0)
    counts.update(rows)
    return counts

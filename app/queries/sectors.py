"""The sector tree. It is small (hundreds of nodes), so the tree walk happens in Python."""

from collections import defaultdict

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session

from app.models import AgreementSector, Sector
from app.queries.common import PageResult, SortKey, paginate, require
from app.schemas.sectors import SectorFilters

BY_ID = SortKey.by_column("id", Sector.id, Sector.id)


def list_sectors(session: Session, f: SectorFilters) -> tuple[PageResult, dict[str, int]]:
    stmt = select(Sector)
    if f.parent:
        require(session, Sector, f.parent, "parent")
        stmt = stmt.where(Sector.parent_id == f.parent)
    page = paginate(session, stmt, BY_ID, limit=f.limit, offset=f.offset, cursor=f.cursor)
    return page, agreement_counts(session, [s.id for s in page.rows])


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


def agreement_counts(session: Session, sector_ids: list[str]) -> dict[str, int]:
    """Distinct agreements per sector, sub-sectors included, in one statement."""
    if not sector_ids:
        return {}
    tree = sector_tree(session)
    descendants: dict[str, set[str]] = defaultdict(set)
    for node in tree:
        for owner in [node, *ancestors(tree, node)]:
            descendants[owner].add(node)
    pairs = union_all(
        *(
            select(literal(owner).label("owner"), literal(node).label("node"))
            for owner in sector_ids
            for node in sorted(descendants[owner])
        )
    ).subquery()
    rows = session.execute(
        select(pairs.c.owner, func.count(AgreementSector.agreement_id.distinct()))
        .join(AgreementSector, AgreementSector.sector_id == pairs.c.node)
        .group_by(pairs.c.owner)
    ).all()
    counts = dict.fromkeys(sector_ids, 0)
    counts.update(rows)
    return counts

"""A node of the sector tree (`energy` > `oil-and-gas`)."""

from typing import Annotated

from app.kinds.declaration import Column, Kind, Ref, Rules, SeedFile
from app.kinds.fields import Prose, SectorId
from app.kinds.shapes import SeedModel, Text
from app.models import Sector
from app.schemas.sectors import SectorQuery


class SectorRecord(SeedModel):
    id: SectorId
    name: Text(200)
    parent: Annotated[SectorId | None, Column("parent_id"), Ref("sector")] = None
    description: Prose | None = None


def no_cycle(checker: Rules, sector: SectorRecord) -> None:
    """Following parents from the sector never comes back to it."""
    checker.acyclic(KIND, sector.id, sector.parent, ("parent",))


def parents_first(sectors: list[SectorRecord]) -> list[SectorRecord]:
    by_id = {s.id: s for s in sectors}
    ordered: dict[str, SectorRecord] = {}

    def visit(sector: SectorRecord, depth: int = 0) -> None:
        if sector.parent and sector.parent in by_id and depth < len(sectors):
            visit(by_id[sector.parent], depth + 1)
        ordered.setdefault(sector.id, sector)

    for sector in sectors:
        visit(sector)
    return list(ordered.values())


KIND = Kind(
    name="sector",
    plural="sectors",
    model=Sector,
    shape=SectorRecord,
    seed_file=SeedFile("sectors.yaml", ("id", "name", "parent", "description")),
    writable=True,
    csv_columns=("id", "name", "parent_id", "agreement_count"),
    filters=SectorQuery,
    seed_order=parents_first,
    rules=no_cycle,
)

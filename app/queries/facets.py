"""Facet counts over a filtered list, correct for many-to-many links: one implementation for
every list.

Each facet counts distinct records per value within the filtered set, so an agreement with
three parties counts once for each, and a value's count equals the `total` of the list
filtered by that value: a country rolls historical entities up into their successor (as the
`country` filters do) and a sector rolls sub-sectors up into their ancestors. A list declares
its facets as a `FacetSet`: for each name, the (value, record_id) pairs it counts.
"""

from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from typing import Any, get_args

from pydantic import BaseModel
from pyroaring import BitMap
from sqlalchemy import Select, func, select, union
from sqlalchemy.orm import Session

from app.counting.index import FACET_SIZE, AgreementIndex, Groups
from app.models import Agreement, AgreementParty, AgreementSector, Country
from app.queries.common import PageResult, SortKey, paginate
from app.queries.sectors import sector_rollup
from app.schemas.enums import Facet

Pairs = Callable[[], Select]
"""(value, record_id) rows: what one facet counts, over every record of its list."""


@dataclass(frozen=True)
class FacetSet:
    """The facets of one list: its records' id column and each facet's pairs."""

    id_column: Any
    pairs: Mapping[str, Pairs]

    @classmethod
    def of(cls, filters: type[BaseModel], id_column: Any, pairs: Mapping[str, Pairs]) -> "FacetSet":
        """The facets `filters` (a list's query model) lets a client ask for, each with SQL:
        a name the model allows without pairs here (or the reverse) fails at import."""
        (allowed,) = get_args(filters.model_fields["facets"].annotation)  # list[<its enum>]
        names = {member.value for member in allowed}
        if names != set(pairs):
            raise TypeError(f"{filters.__name__}: facets {sorted(names ^ set(pairs))} unmatched")
        return cls(id_column, pairs)

    def counts(
        self, session: Session, filtered: Select, names: Sequence[Any]
    ) -> dict[str, list[dict[str, object]]] | None:
        """Counts per value of each facet in `names` over the records `filtered` selects (all
        of them when it has no filter: then no id set is built at all); None when no facet
        is asked for."""
        if not names:
            return None
        ids = (
            None
            if filtered.whereclause is None
            else filtered.with_only_columns(self.id_column)
            .order_by(None)
            .scalar_subquery()
            .correlate(None)
        )
        return {
            str(name): _counts(session, self.pairs[str(name)](), ids)
            for name in dict.fromkeys(names)
        }

    def page(self, session: Session, filtered: Select, sort: SortKey, f: Any) -> PageResult:
        """The page of the list `filtered` selects that `f` (a list's filters: paging and
        `facets`) asks for, in `sort` order, with the counts of the facets it names."""
        page = paginate(session, filtered, sort, limit=f.limit, offset=f.offset, cursor=f.cursor)
        return replace(page, facets=self.counts(session, filtered, f.facets))


def _counts(session: Session, pairs: Select, ids) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    sq = pairs.subquery()
    count = func.count().label("count")
    stmt = select(sq.c.value, count).where(sq.c.value.is_not(None))
    if ids is not None:
        stmt = stmt.where(sq.c.record_id.in_(ids))
    rows = session.execute(
        stmt.group_by(sq.c.value).order_by(count.desc(), sq.c.value).limit(FACET_SIZE)
    ).all()
    return [{"value": value, "count": n} for value, n in rows]


def values(value: Any, record_id: Any) -> Pairs:
    """A column's value per record (a record without one is not counted)."""
    return lambda: select(value.label("value"), record_id.label("record_id"))


def countries(*links: tuple[Any, Any]) -> Pairs:
    """Each (country column, record id column) link, and the country's successor: a
    historical entity rolls up into today's country, as the country filters' families do."""

    def pairs() -> Select:
        direct = [select(c.label("value"), r.label("record_id")) for c, r in links]
        successors = [
            select(Country.successor_id.label("value"), r.label("record_id"))
            .join(Country, Country.id == c)
            .where(Country.successor_id.is_not(None))
            for c, r in links
        ]
        return select(union(*direct, *successors).subquery())

    return pairs


def sectors(sector_id: Any, record_id: Any) -> Pairs:
    """A sector link, and each of the sector's ancestors."""

    def pairs() -> Select:
        walk = sector_rollup()
        return (
            select(walk.c.owner.label("value"), record_id.label("record_id"))
            .select_from(walk)
            .join(sector_id.table, sector_id == walk.c.node)
            .distinct()
        )

    return pairs


def date_prefix(model: Any, width: int, suffix: str | None = None) -> Pairs:
    """The first `width` characters of a record's date (`2025`; `202` and `0` make a decade)."""

    def pairs() -> Select:
        value = func.substr(model.date, 1, width)
        if suffix is not None:
            value = value + suffix
        return select(value.label("value"), model.id.label("record_id")).where(
            model.date.is_not(None)
        )

    return pairs


FACET_PAIRS: dict[str, Pairs] = {
    Facet.COUNTRY: countries((AgreementParty.country_id, AgreementParty.agreement_id)),
    Facet.SECTOR: sectors(AgreementSector.sector_id, AgreementSector.agreement_id),
    Facet.KIND: values(Agreement.kind, Agreement.id),
    Facet.YEAR: date_prefix(Agreement, 4),
    Facet.DECADE: date_prefix(Agreement, 3, "0"),
}
"""The agreements' facets: SQL answers every facet the list may ask for (the counting
index answers them too, in `indexed_facets`)."""
if set(FACET_PAIRS) != set(Facet):
    raise TypeError(f"facets without SQL: {sorted(set(Facet) - set(FACET_PAIRS))}")
AGREEMENT_FACETS = FacetSet(Agreement.id, FACET_PAIRS)


def agreement_facets(session: Session, filtered: Select, names: list[str]) -> dict[str, list]:
    """Counts per facet value over the agreements `filtered` selects."""
    return AGREEMENT_FACETS.counts(session, filtered, names) or {}


def indexed_facets(
    session: Session, index: AgreementIndex, matches: BitMap, names: Sequence[str]
) -> dict[str, list[dict[str, object]]]:
    """The same counts as `agreement_facets`, from the counting index: for each value, the
    indexed values it rolls up (as `FACET_PAIRS` do in SQL), AND-counted with `matches`. The
    roll-ups are read (with SQL, for countries and sectors) only when the index has none
    for its current feed position."""
    return {
        name: index.facet(matches, name, partial(_groups, session, index, name))
        for name in dict.fromkeys(names)
    }


def _groups(session: Session, index: AgreementIndex, name: str) -> Groups:
    groups: dict[str, list[tuple[str, str]]] = defaultdict(list)
    if name == "country":
        successors = dict(
            session.execute(
                select(Country.id, Country.successor_id).where(Country.successor_id.is_not(None))
            ).all()
        )
        for country in index.values("country"):
            groups[country].append(("country", country))
            if country in successors:
                groups[successors[country]].append(("country", country))
    elif name == "sector":
        walk = sector_rollup()
        for owner, node in session.execute(select(walk.c.owner, walk.c.node)):
            groups[owner].append(("sector", node))
    elif name == "kind":
        for kind in index.values("kind"):
            groups[kind].append(("kind", kind))
    else:
        for year in index.values("year"):
            groups[year if name == "year" else year[:3] + "0"].append(("year", year))
    return groups

"""Facet counts over a filtered agreement list, correct for many-to-many links.

Each facet counts distinct agreements per value within the filtered set, so an agreement
with three parties counts once for each, and a value's count equals the `total` of the list
filtered by that value: `country` rolls historical entities up into their successor (as the
`country` filter does) and `sector` rolls sub-sectors up into their ancestors.
"""

from collections import defaultdict
from collections.abc import Callable, Sequence
from functools import partial

from pyroaring import BitMap
from sqlalchemy import Select, func, select, union
from sqlalchemy.orm import Session

from app.counting.index import FACET_SIZE, AgreementIndex, Groups
from app.models import Agreement, AgreementParty, AgreementSector, Country
from app.queries.sectors import sector_rollup
from app.schemas.enums import Facet


def agreement_facets(session: Session, filtered: Select, names: list[str]) -> dict[str, list]:
    """Counts per facet value over the agreements `filtered` selects (all of them when it has
    no filter: then no id set is built at all)."""
    ids = (
        None
        if filtered.whereclause is None
        else filtered.with_only_columns(Agreement.id)
        .order_by(None)
        .scalar_subquery()
        .correlate(None)
    )
    return {name: _counts(session, FACET_PAIRS[name](), ids) for name in dict.fromkeys(names)}


def _countries() -> Select:
    """A party, and its successor (a historical entity rolls up into today's country)."""
    direct = select(AgreementParty.country_id.label("value"), AgreementParty.agreement_id)
    successor = (
        select(Country.successor_id.label("value"), AgreementParty.agreement_id)
        .join(Country, Country.id == AgreementParty.country_id)
        .where(Country.successor_id.is_not(None))
    )
    return select(union(direct, successor).subquery())


def _sectors() -> Select:
    """A sector, and each of its ancestors."""
    walk = sector_rollup()
    return (
        select(walk.c.owner.label("value"), AgreementSector.agreement_id)
        .select_from(walk)
        .join(AgreementSector, AgreementSector.sector_id == walk.c.node)
        .distinct()
    )


def _date_prefix(width: int, suffix: str | None = None) -> Callable[[], Select]:
    """The first `width` characters of the date (`2025`; `202` and `0` make a decade)."""

    def pairs() -> Select:
        value = func.substr(Agreement.date, 1, width)
        if suffix is not None:
            value = value + suffix
        return select(value.label("value"), Agreement.id.label("agreement_id")).where(
            Agreement.date.is_not(None)
        )

    return pairs


FACET_PAIRS: dict[str, Callable[[], Select]] = {
    Facet.COUNTRY: _countries,
    Facet.SECTOR: _sectors,
    Facet.KIND: lambda: select(Agreement.kind.label("value"), Agreement.id.label("agreement_id")),
    Facet.YEAR: _date_prefix(4),
    Facet.DECADE: _date_prefix(3, "0"),
}
"""(value, agreement_id) for each facet: SQL answers every facet a list may ask for."""
if set(FACET_PAIRS) != set(Facet):
    raise TypeError(f"facets without SQL: {sorted(set(Facet) - set(FACET_PAIRS))}")


def _counts(session: Session, pairs: Select, ids) -> list[dict[str, object]]:  # type: ignore[no-untyped-def]
    sq = pairs.subquery()
    count = func.count().label("count")
    stmt = select(sq.c.value, count)
    if ids is not None:
        stmt = stmt.where(sq.c.agreement_id.in_(ids))
    rows = session.execute(
        stmt.group_by(sq.c.value).order_by(count.desc(), sq.c.value).limit(FACET_SIZE)
    ).all()
    return [{"value": value, "count": n} for value, n in rows]


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

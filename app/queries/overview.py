"""What the database holds, in a glance: records per kind and the pairs of countries whose
relations are recorded."""

from sqlalchemy import func, literal, select, union_all
from sqlalchemy.orm import Session, aliased

from app.kinds.registry import KINDS
from app.models import Country, RelationEvent


def record_counts(session: Session) -> dict[str, int]:
    """Records of each kind, by the kind's plural, in one statement."""
    parts = [
        select(literal(kind.plural).label("kind"), func.count().label("n")).select_from(kind.model)
        for kind in KINDS
    ]
    counted: dict[str, int] = {kind: n for kind, n in session.execute(union_all(*parts))}
    return {kind.plural: counted[kind.plural] for kind in KINDS}


def country_pairs(session: Session) -> list[dict[str, object]]:
    """Each pair of countries with relation milestones recorded, with their names and how
    many milestones, in the order of the first country's name."""
    first, second = aliased(Country), aliased(Country)
    rows = session.execute(
        select(
            first.id.label("first_id"),
            first.name.label("first_name"),
            second.id.label("second_id"),
            second.name.label("second_name"),
            func.count().label("milestones"),
        )
        .select_from(RelationEvent)
        .join(first, first.id == RelationEvent.country_a_id)
        .join(second, second.id == RelationEvent.country_b_id)
        .group_by(first.id, first.name, second.id, second.name)
        .order_by(first.name, second.name)
    ).mappings()
    return [dict(row) for row in rows]

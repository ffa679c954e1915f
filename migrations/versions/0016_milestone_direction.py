"""milestone direction: whether a milestone of relations is both countries' (`mutual`) or
the first country's act toward the second (`one-way`); every earlier one reads as mutual,
labelled inferred unless a citation already names its direction

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-07 19:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REASON = (
    "Recorded before milestones had a direction: read as both countries' (mutual) until a "
    "curator cites the words that say which way it runs."
)
"""The label of a direction no source was read for: `direction` states a fact, so a value
with no citation and no label would be refused when the milestone is next written."""


def upgrade() -> None:
    op.add_column(
        "relation_events",
        sa.Column("direction", sa.String(10), server_default="mutual", nullable=False),
    )
    conn = op.get_bind()
    cited = set(
        conn.execute(
            sa.text(
                "SELECT record_id FROM citations "
                "WHERE record_type = 'relation' AND field = 'direction'"
            )
        ).scalars()
    )
    milestones = sa.table(
        "relation_events", sa.column("id", sa.String()), sa.column("provenance", sa.JSON())
    )
    for milestone_id, provenance in conn.execute(
        sa.select(milestones.c.id, milestones.c.provenance)
    ).all():
        if milestone_id in cited or "direction" in (provenance or {}):
            continue
        labelled = {**(provenance or {}), "direction": {"basis": "inferred", "reason": REASON}}
        conn.execute(
            milestones.update().where(milestones.c.id == milestone_id).values(provenance=labelled)
        )


def downgrade() -> None:
    conn = op.get_bind()
    milestones = sa.table(
        "relation_events", sa.column("id", sa.String()), sa.column("provenance", sa.JSON())
    )
    for milestone_id, provenance in conn.execute(
        sa.select(milestones.c.id, milestones.c.provenance)
    ).all():
        if (provenance or {}).get("direction", {}).get("reason") == REASON:
            kept = {k: v for k, v in provenance.items() if k != "direction"}
            conn.execute(
                milestones.update().where(milestones.c.id == milestone_id).values(provenance=kept)
            )
    op.drop_column("relation_events", "direction")

"""event provenance: how an agreement event's values no citation states are known (an
action that is the curators' term for the source's verb), as agreements keep theirs

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 17:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "agreement_events",
        sa.Column("provenance", sa.JSON(), server_default=sa.text("'{}'"), nullable=False),
    )
    # An inferred date was the one value an event's provenance held (app.kinds.provenance).
    events = sa.table(
        "agreement_events",
        sa.column("id", sa.String()),
        sa.column("date_inferred", sa.Boolean()),
        sa.column("date_inferred_reason", sa.Text()),
        sa.column("provenance", sa.JSON()),
    )
    conn = op.get_bind()
    inferred = conn.execute(
        sa.select(events.c.id, events.c.date_inferred_reason).where(
            events.c.date_inferred.is_(True), events.c.date_inferred_reason.is_not(None)
        )
    ).all()
    for event_id, reason in inferred:
        conn.execute(
            events.update()
            .where(events.c.id == event_id)
            .values(provenance={"date": {"basis": "inferred", "reason": reason}})
        )


def downgrade() -> None:
    op.execute("ALTER TABLE agreement_events DROP COLUMN provenance")

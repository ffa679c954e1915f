"""milestone direction: whether a milestone of relations is both countries' (`mutual`) or
the first country's act toward the second (`one-way`); every earlier one reads as mutual

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


def upgrade() -> None:
    op.add_column(
        "relation_events",
        sa.Column("direction", sa.String(10), server_default="mutual", nullable=False),
    )


def downgrade() -> None:
    op.drop_column("relation_events", "direction")

"""feed position: the changes feed's ids are taken inside the writing transaction

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "feed_position",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feed_position")),
    )
    # The feed goes on from the last change written so far.
    op.execute("INSERT INTO feed_position (id, value) SELECT 1, COALESCE(MAX(id), 0) FROM changes")


def downgrade() -> None:
    op.drop_table("feed_position")

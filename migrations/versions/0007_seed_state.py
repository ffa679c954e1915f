"""seed state: what seeding last wrote per curated record

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 03:45:00

An existing database starts with no rows here: the next `treaty-api seed` takes each
record's base from its audit history (see app.seeding.plan), so an upgrade loses no edit.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "seed_state",
        sa.Column("record_type", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("record_type", "record_id", name=op.f("pk_seed_state")),
    )


def downgrade() -> None:
    op.drop_table("seed_state")

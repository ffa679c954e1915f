"""longer ids for events and their citations

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26 10:30:35.799393
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("agreement_events", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.VARCHAR(length=160),
            type_=sa.String(length=200),
            existing_nullable=False,
        )

    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.alter_column(
            "record_id",
            existing_type=sa.VARCHAR(length=160),
            type_=sa.String(length=200),
            existing_nullable=False,
        )

    with op.batch_alter_table("citations", schema=None) as batch_op:
        batch_op.alter_column(
            "record_id",
            existing_type=sa.VARCHAR(length=120),
            type_=sa.String(length=200),
            existing_nullable=False,
        )

    with op.batch_alter_table("discrepancies", schema=None) as batch_op:
        batch_op.alter_column(
            "record_id",
            existing_type=sa.VARCHAR(length=120),
            type_=sa.String(length=200),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("discrepancies", schema=None) as batch_op:
        batch_op.alter_column(
            "record_id",
            existing_type=sa.String(length=200),
            type_=sa.VARCHAR(length=120),
            existing_nullable=False,
        )

    with op.batch_alter_table("citations", schema=None) as batch_op:
        batch_op.alter_column(
            "record_id",
            existing_type=sa.String(length=200),
            type_=sa.VARCHAR(length=120),
            existing_nullable=False,
        )

    with op.batch_alter_table("changes", schema=None) as batch_op:
        batch_op.alter_column(
            "record_id",
            existing_type=sa.String(length=200),
            type_=sa.VARCHAR(length=160),
            existing_nullable=False,
        )

    with op.batch_alter_table("agreement_events", schema=None) as batch_op:
        batch_op.alter_column(
            "id",
            existing_type=sa.String(length=200),
            type_=sa.VARCHAR(length=160),
            existing_nullable=False,
        )

"""undated-last sort indexes

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 10:40:04.586480
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Undated records last in both directions (see app.models._columns.date_sort_key); the
# queries sort on exactly these expressions. Alembic's autogenerate does not compare
# expression indexes, so they are written here by hand.
SORT_INDEXES = [
    (f"ix_{table}_date_{direction}", table, f"coalesce(date_start, '{sentinel}')")
    for table in ("agreements", "visits")
    for direction, sentinel in (("up", "9999-12-31"), ("down", "0001-01-01"))
]


def upgrade() -> None:
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreements_date_start_id"))
    for name, table, expression in SORT_INDEXES:
        op.create_index(name, table, [sa.text(expression), "id"])


def downgrade() -> None:
    for name, table, _ in SORT_INDEXES:
        op.drop_index(name, table_name=table)
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agreements_date_start_id"), ["date_start", "id"], unique=False
        )

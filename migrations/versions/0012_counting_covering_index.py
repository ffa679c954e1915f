"""counting covering index: the counting index's read of the agreements, from an index

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-27 14:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["id", "kind", "date", "date_start", "date_end", "visit_id"]


def upgrade() -> None:
    op.create_index("ix_agreements_counting", "agreements", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_agreements_counting", table_name="agreements")

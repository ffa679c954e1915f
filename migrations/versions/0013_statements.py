"""statements: what the parties say (remarks, assessments, proposals, pledges, plans,
positions), with the countries that make them, their sectors and the instruments they invoke

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 14:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Undated statements last in both directions, as for agreements and visits (migration 0005).
SORT_INDEXES = [
    (f"ix_statements_date_{direction}", f"coalesce(date_start, '{sentinel}')")
    for direction, sentinel in (("up", "9999-12-31"), ("down", "0001-01-01"))
]


def _link(table: str, column: str, target: str, length: int) -> None:
    """A table linking each statement to records of `target` (by `column`)."""
    op.create_table(
        table,
        sa.Column("statement_id", sa.String(length=120), nullable=False),
        sa.Column(column, sa.String(length=length), nullable=False),
        sa.ForeignKeyConstraint(
            [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["statements.id"],
            name=op.f(f"fk_{table}_statement_id_statements"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("statement_id", column, name=op.f(f"pk_{table}")),
    )


def upgrade() -> None:
    op.create_table(
        "statements",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("speaker_id", sa.String(length=120), nullable=True),
        sa.Column("visit_id", sa.String(length=120), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("date", sa.String(length=10), nullable=True),
        sa.Column("date_precision", sa.String(length=5), nullable=True),
        sa.Column("date_inferred", sa.Boolean(), nullable=False),
        sa.Column("date_inferred_reason", sa.Text(), nullable=True),
        sa.Column("date_start", sa.Date(), nullable=True),
        sa.Column("date_end", sa.Date(), nullable=True),
        sa.Column("provenance", sa.JSON(), server_default=sa.text("'{}'"), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["speaker_id"], ["signatories.id"], name=op.f("fk_statements_speaker_id_signatories")
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_statements_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statements")),
    )
    for column in ("date_end", "date_start", "kind", "speaker_id", "visit_id"):
        op.create_index(op.f(f"ix_statements_{column}"), "statements", [column])
    for name, expression in SORT_INDEXES:
        op.create_index(name, "statements", [sa.text(expression), "id"])
    _link("statement_countries", "country_id", "countries", 40)
    op.create_index(
        "ix_statement_countries_country_statement",
        "statement_countries",
        ["country_id", "statement_id"],
    )
    _link("statement_references", "agreement_id", "agreements", 120)
    op.create_index("ix_statement_references_agreement", "statement_references", ["agreement_id"])
    _link("statement_sectors", "sector_id", "sectors", 80)
    op.create_index(
        "ix_statement_sectors_sector_statement", "statement_sectors", ["sector_id", "statement_id"]
    )


def downgrade() -> None:
    for table in ("statement_sectors", "statement_references", "statement_countries"):
        op.drop_table(table)
    op.drop_table("statements")

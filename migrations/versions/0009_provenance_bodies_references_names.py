"""provenance maps, country names in many languages, standing bodies, agreement references

Revision ID: 0009
Revises: 0006
Create Date: 2026-11-27 04:00:00

Columns are added and dropped with plain ALTER TABLE (SQLite >= 3.35 drops columns in
place), so no table is rebuilt and the FTS5 triggers of migration 0006 stay intact.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PROVENANCE_TABLES = ("countries", "signatories", "visits", "agreements", "relation_events")


def _json_column(name: str) -> sa.Column:
    return sa.Column(name, sa.JSON(), server_default=sa.text("'{}'"), nullable=False)


def upgrade() -> None:
    for table in PROVENANCE_TABLES:
        op.add_column(table, _json_column("provenance"))
    op.add_column("countries", _json_column("names"))
    op.create_table(
        "bodies",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("date", sa.String(length=10), nullable=True),
        sa.Column("date_precision", sa.String(length=5), nullable=True),
        sa.Column("date_inferred", sa.Boolean(), nullable=False),
        sa.Column("date_inferred_reason", sa.Text(), nullable=True),
        sa.Column("date_start", sa.Date(), nullable=True),
        sa.Column("date_end", sa.Date(), nullable=True),
        _json_column("provenance"),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bodies")),
    )
    op.create_index(op.f("ix_bodies_kind"), "bodies", ["kind"])
    op.create_index(op.f("ix_bodies_date_start"), "bodies", ["date_start"])
    op.create_index(op.f("ix_bodies_date_end"), "bodies", ["date_end"])
    op.create_table(
        "body_countries",
        sa.Column("body_id", sa.String(length=120), nullable=False),
        sa.Column("country_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["body_id"],
            ["bodies.id"],
            name=op.f("fk_body_countries_body_id_bodies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["country_id"], ["countries.id"], name=op.f("fk_body_countries_country_id_countries")
        ),
        sa.PrimaryKeyConstraint("body_id", "country_id", name=op.f("pk_body_countries")),
    )
    op.create_index(op.f("ix_body_countries_country_id"), "body_countries", ["country_id"])
    op.create_table(
        "agreement_references",
        sa.Column("agreement_id", sa.String(length=120), nullable=False),
        sa.Column("referenced_id", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_agreement_references_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["referenced_id"],
            ["agreements.id"],
            name=op.f("fk_agreement_references_referenced_id_agreements"),
        ),
        sa.PrimaryKeyConstraint(
            "agreement_id", "referenced_id", name=op.f("pk_agreement_references")
        ),
    )
    op.create_index("ix_agreement_references_referenced", "agreement_references", ["referenced_id"])


def downgrade() -> None:
    op.drop_index("ix_agreement_references_referenced", table_name="agreement_references")
    op.drop_table("agreement_references")
    op.drop_index(op.f("ix_body_countries_country_id"), table_name="body_countries")
    op.drop_table("body_countries")
    for index in ("ix_bodies_date_end", "ix_bodies_date_start", "ix_bodies_kind"):
        op.drop_index(index, table_name="bodies")
    op.drop_table("bodies")
    op.execute("ALTER TABLE countries DROP COLUMN names")
    for table in PROVENANCE_TABLES:
        op.execute(f"ALTER TABLE {table} DROP COLUMN provenance")

"""agreement events and external ids

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:01:13.454587
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "agreement_events",
        sa.Column("id", sa.String(length=160), nullable=False),
        sa.Column("agreement_id", sa.String(length=120), nullable=False),
        sa.Column("country_id", sa.String(length=40), nullable=True),
        sa.Column("action", sa.String(length=30), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("date", sa.String(length=10), nullable=True),
        sa.Column("date_precision", sa.String(length=5), nullable=True),
        sa.Column("date_inferred", sa.Boolean(), nullable=False),
        sa.Column("date_inferred_reason", sa.Text(), nullable=True),
        sa.Column("date_start", sa.Date(), nullable=True),
        sa.Column("date_end", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_agreement_events_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["country_id"], ["countries.id"], name=op.f("fk_agreement_events_country_id_countries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_events")),
    )
    with op.batch_alter_table("agreement_events", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agreement_events_action"), ["action"], unique=False)
        batch_op.create_index(
            "ix_agreement_events_agreement", ["agreement_id", "date_start"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_agreement_events_date_end"), ["date_end"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_agreement_events_date_start"), ["date_start"], unique=False
        )

    with op.batch_alter_table("countries", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("external_ids", sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )

    with op.batch_alter_table("signatories", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("external_ids", sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("signatories", schema=None) as batch_op:
        batch_op.drop_column("external_ids")

    with op.batch_alter_table("countries", schema=None) as batch_op:
        batch_op.drop_column("external_ids")

    with op.batch_alter_table("agreement_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreement_events_date_start"))
        batch_op.drop_index(batch_op.f("ix_agreement_events_date_end"))
        batch_op.drop_index("ix_agreement_events_agreement")
        batch_op.drop_index(batch_op.f("ix_agreement_events_action"))

    op.drop_table("agreement_events")

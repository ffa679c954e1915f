"""reading selectors: where each discrepancy reading's quote stands in its source's text, as
citations have had since 0014

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 20:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("quote_start", "quote_end", "quote_prefix", "quote_suffix")
# The anchoring rule as it stood at this revision (app.kinds.quotes), written out here so
# that the migration keeps doing what it did when the application's rule changes.
CONTEXT = 32


def upgrade() -> None:
    with op.batch_alter_table("discrepancy_readings") as batch:
        batch.add_column(sa.Column("quote_start", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("quote_end", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("quote_prefix", sa.Text(), nullable=True))
        batch.add_column(sa.Column("quote_suffix", sa.Text(), nullable=True))
    _anchor_every_reading()
    with op.batch_alter_table("discrepancy_readings") as batch:
        for column in COLUMNS:
            batch.alter_column(column, nullable=False)


def _anchor_every_reading() -> None:
    """Each stored quote at its first occurrence in its source's text. Every stored quote is
    in its text (seeding and import refuse any other); one that is not fails the migration
    rather than being given a position that is not its own."""
    conn = op.get_bind()
    texts = dict(conn.execute(sa.text("SELECT id, text FROM sources")).all())
    readings = conn.execute(
        sa.text("SELECT discrepancy_id, position, source_id, quote FROM discrepancy_readings")
    ).all()
    update = sa.text(
        "UPDATE discrepancy_readings SET quote_start = :start, quote_end = :end, "
        "quote_prefix = :prefix, quote_suffix = :suffix "
        "WHERE discrepancy_id = :discrepancy_id AND position = :position"
    )
    rows = []
    for discrepancy_id, position, source_id, quote in readings:
        text = texts[source_id]
        start = text.find(quote)
        if start < 0:
            raise RuntimeError(
                f"discrepancy {discrepancy_id} reading {position}: "
                f"its quote is not in source {source_id!r}"
            )
        end = start + len(quote)
        rows.append(
            {
                "discrepancy_id": discrepancy_id,
                "position": position,
                "start": start,
                "end": end,
                "prefix": text[max(0, start - CONTEXT) : start],
                "suffix": text[end : end + CONTEXT],
            }
        )
    if rows:
        conn.execute(update, rows)


def downgrade() -> None:
    with op.batch_alter_table("discrepancy_readings") as batch:
        for column in COLUMNS:
            batch.drop_column(column)

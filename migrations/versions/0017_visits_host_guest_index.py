"""visits host-guest index: a pair's visits found from an index, not from every visit
the host received

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 19:20:00

The visits between two countries are a host's visits whose guest (the guest's country, or
the guest person's) is the other's. With only `host_country_id` indexed, each of the host's
visits was read to test its guest (8,663 hosted by China at a million agreements, to find
the 2,031 from the United States); with the guest columns in the index the test is made
on the index, and only the matching visits are read.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ["host_country_id", "guest_country_id", "guest_id"]


def upgrade() -> None:
    op.create_index("ix_visits_host_guest", "visits", COLUMNS)


def downgrade() -> None:
    op.drop_index("ix_visits_host_guest", table_name="visits")

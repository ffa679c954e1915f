"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-26 09:54:43.337807
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "countries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("alpha2", sa.String(length=2), nullable=True),
        sa.Column("alpha3", sa.String(length=3), nullable=True),
        sa.Column("numeric", sa.String(length=3), nullable=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("official_name", sa.String(length=300), nullable=True),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("is_historical", sa.Boolean(), nullable=False),
        sa.Column("valid_from", sa.String(length=10), nullable=True),
        sa.Column("valid_to", sa.String(length=10), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("successor_id", sa.String(length=40), nullable=True),
        sa.Column("part_of_id", sa.String(length=40), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["part_of_id"], ["countries.id"], name=op.f("fk_countries_part_of_id_countries")
        ),
        sa.ForeignKeyConstraint(
            ["successor_id"], ["countries.id"], name=op.f("fk_countries_successor_id_countries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_countries")),
    )
    with op.batch_alter_table("countries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_countries_alpha2"), ["alpha2"], unique=False)
        batch_op.create_index(batch_op.f("ix_countries_alpha3"), ["alpha3"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_countries_successor_id"), ["successor_id"], unique=False
        )

    op.create_table(
        "discrepancies",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("record_type", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=120), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_discrepancies")),
    )
    with op.batch_alter_table("discrepancies", schema=None) as batch_op:
        batch_op.create_index("ix_discrepancies_record", ["record_type", "record_id"], unique=False)

    op.create_table(
        "sectors",
        sa.Column("id", sa.String(length=80), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parent_id", sa.String(length=80), nullable=True),
        sa.Column("description", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_id"], ["sectors.id"], name=op.f("fk_sectors_parent_id_sectors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sectors")),
    )
    with op.batch_alter_table("sectors", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_sectors_parent_id"), ["parent_id"], unique=False)

    op.create_table(
        "sources",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("publisher", sa.String(length=200), nullable=True),
        sa.Column("language", sa.String(length=10), nullable=True),
        sa.Column("url", sa.String(length=2000), nullable=True),
        sa.Column("published", sa.String(length=10), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sources")),
    )
    op.create_table(
        "citations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("record_type", sa.String(length=20), nullable=False),
        sa.Column("record_id", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=60), nullable=True),
        sa.Column("source_id", sa.String(length=120), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_citations_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_citations")),
    )
    with op.batch_alter_table("citations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_citations_record", ["record_type", "record_id", "position"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_citations_source_id"), ["source_id"], unique=False)

    op.create_table(
        "discrepancy_readings",
        sa.Column("discrepancy_id", sa.String(length=120), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("source_id", sa.String(length=120), nullable=False),
        sa.Column("quote", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["discrepancy_id"],
            ["discrepancies.id"],
            name=op.f("fk_discrepancy_readings_discrepancy_id_discrepancies"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"], ["sources.id"], name=op.f("fk_discrepancy_readings_source_id_sources")
        ),
        sa.PrimaryKeyConstraint("discrepancy_id", "position", name=op.f("pk_discrepancy_readings")),
    )
    op.create_table(
        "signatories",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("country_id", sa.String(length=40), nullable=True),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("description", sa.Text(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["country_id"], ["countries.id"], name=op.f("fk_signatories_country_id_countries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_signatories")),
    )
    with op.batch_alter_table("signatories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_signatories_country_id"), ["country_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_signatories_kind"), ["kind"], unique=False)

    op.create_table(
        "visits",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=True),
        sa.Column("guest_id", sa.String(length=120), nullable=True),
        sa.Column("guest_title", sa.String(length=300), nullable=True),
        sa.Column("guest_country_id", sa.String(length=40), nullable=True),
        sa.Column("host_country_id", sa.String(length=40), nullable=True),
        sa.Column("city", sa.String(length=120), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("date", sa.String(length=10), nullable=True),
        sa.Column("date_precision", sa.String(length=5), nullable=True),
        sa.Column("date_inferred", sa.Boolean(), nullable=False),
        sa.Column("date_inferred_reason", sa.Text(), nullable=True),
        sa.Column("date_start", sa.Date(), nullable=True),
        sa.Column("date_end", sa.Date(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["guest_country_id"],
            ["countries.id"],
            name=op.f("fk_visits_guest_country_id_countries"),
        ),
        sa.ForeignKeyConstraint(
            ["guest_id"], ["signatories.id"], name=op.f("fk_visits_guest_id_signatories")
        ),
        sa.ForeignKeyConstraint(
            ["host_country_id"], ["countries.id"], name=op.f("fk_visits_host_country_id_countries")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visits")),
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visits_date_end"), ["date_end"], unique=False)
        batch_op.create_index(batch_op.f("ix_visits_date_start"), ["date_start"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_visits_guest_country_id"), ["guest_country_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_visits_guest_id"), ["guest_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_visits_host_country_id"), ["host_country_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_visits_kind"), ["kind"], unique=False)

    op.create_table(
        "agreements",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("place", sa.String(length=200), nullable=True),
        sa.Column("place_country_id", sa.String(length=40), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("status", sa.String(length=40), nullable=True),
        sa.Column("visit_id", sa.String(length=120), nullable=True),
        sa.Column("date", sa.String(length=10), nullable=True),
        sa.Column("date_precision", sa.String(length=5), nullable=True),
        sa.Column("date_inferred", sa.Boolean(), nullable=False),
        sa.Column("date_inferred_reason", sa.Text(), nullable=True),
        sa.Column("date_start", sa.Date(), nullable=True),
        sa.Column("date_end", sa.Date(), nullable=True),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["place_country_id"],
            ["countries.id"],
            name=op.f("fk_agreements_place_country_id_countries"),
        ),
        sa.ForeignKeyConstraint(
            ["visit_id"], ["visits.id"], name=op.f("fk_agreements_visit_id_visits")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
    )
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agreements_date_end"), ["date_end"], unique=False)
        batch_op.create_index(batch_op.f("ix_agreements_date_start"), ["date_start"], unique=False)
        batch_op.create_index("ix_agreements_date_start_id", ["date_start", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agreements_kind"), ["kind"], unique=False)
        batch_op.create_index("ix_agreements_title_id", ["title", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_agreements_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "agreement_parties",
        sa.Column("agreement_id", sa.String(length=120), nullable=False),
        sa.Column("country_id", sa.String(length=40), nullable=False),
        sa.Column("inferred_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_agreement_parties_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["country_id"], ["countries.id"], name=op.f("fk_agreement_parties_country_id_countries")
        ),
        sa.PrimaryKeyConstraint("agreement_id", "country_id", name=op.f("pk_agreement_parties")),
    )
    with op.batch_alter_table("agreement_parties", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agreement_parties_country_agreement", ["country_id", "agreement_id"], unique=False
        )

    op.create_table(
        "agreement_sectors",
        sa.Column("agreement_id", sa.String(length=120), nullable=False),
        sa.Column("sector_id", sa.String(length=80), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_agreement_sectors_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["sector_id"], ["sectors.id"], name=op.f("fk_agreement_sectors_sector_id_sectors")
        ),
        sa.PrimaryKeyConstraint("agreement_id", "sector_id", name=op.f("pk_agreement_sectors")),
    )
    with op.batch_alter_table("agreement_sectors", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agreement_sectors_sector_agreement", ["sector_id", "agreement_id"], unique=False
        )

    op.create_table(
        "agreement_signatories",
        sa.Column("agreement_id", sa.String(length=120), nullable=False),
        sa.Column("signatory_id", sa.String(length=120), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("side_id", sa.String(length=40), nullable=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_agreement_signatories_agreement_id_agreements"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["side_id"], ["countries.id"], name=op.f("fk_agreement_signatories_side_id_countries")
        ),
        sa.ForeignKeyConstraint(
            ["signatory_id"],
            ["signatories.id"],
            name=op.f("fk_agreement_signatories_signatory_id_signatories"),
        ),
        sa.PrimaryKeyConstraint(
            "agreement_id", "signatory_id", "role", name=op.f("pk_agreement_signatories")
        ),
    )
    with op.batch_alter_table("agreement_signatories", schema=None) as batch_op:
        batch_op.create_index(
            "ix_agreement_signatories_signatory_agreement",
            ["signatory_id", "agreement_id"],
            unique=False,
        )

    op.create_table(
        "relation_events",
        sa.Column("id", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("country_a_id", sa.String(length=40), nullable=False),
        sa.Column("country_b_id", sa.String(length=40), nullable=False),
        sa.Column("agreement_id", sa.String(length=120), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("date", sa.String(length=10), nullable=True),
        sa.Column("date_precision", sa.String(length=5), nullable=True),
        sa.Column("date_inferred", sa.Boolean(), nullable=False),
        sa.Column("date_inferred_reason", sa.Text(), nullable=True),
        sa.Column("date_start", sa.Date(), nullable=True),
        sa.Column("date_end", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["agreement_id"],
            ["agreements.id"],
            name=op.f("fk_relation_events_agreement_id_agreements"),
        ),
        sa.ForeignKeyConstraint(
            ["country_a_id"],
            ["countries.id"],
            name=op.f("fk_relation_events_country_a_id_countries"),
        ),
        sa.ForeignKeyConstraint(
            ["country_b_id"],
            ["countries.id"],
            name=op.f("fk_relation_events_country_b_id_countries"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_relation_events")),
    )
    with op.batch_alter_table("relation_events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_relation_events_country_a_id"), ["country_a_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_relation_events_country_b_id"), ["country_b_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_relation_events_date_end"), ["date_end"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_relation_events_date_start"), ["date_start"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_relation_events_kind"), ["kind"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("relation_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_relation_events_kind"))
        batch_op.drop_index(batch_op.f("ix_relation_events_date_start"))
        batch_op.drop_index(batch_op.f("ix_relation_events_date_end"))
        batch_op.drop_index(batch_op.f("ix_relation_events_country_b_id"))
        batch_op.drop_index(batch_op.f("ix_relation_events_country_a_id"))

    op.drop_table("relation_events")
    with op.batch_alter_table("agreement_signatories", schema=None) as batch_op:
        batch_op.drop_index("ix_agreement_signatories_signatory_agreement")

    op.drop_table("agreement_signatories")
    with op.batch_alter_table("agreement_sectors", schema=None) as batch_op:
        batch_op.drop_index("ix_agreement_sectors_sector_agreement")

    op.drop_table("agreement_sectors")
    with op.batch_alter_table("agreement_parties", schema=None) as batch_op:
        batch_op.drop_index("ix_agreement_parties_country_agreement")

    op.drop_table("agreement_parties")
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agreements_visit_id"))
        batch_op.drop_index("ix_agreements_title_id")
        batch_op.drop_index(batch_op.f("ix_agreements_kind"))
        batch_op.drop_index("ix_agreements_date_start_id")
        batch_op.drop_index(batch_op.f("ix_agreements_date_start"))
        batch_op.drop_index(batch_op.f("ix_agreements_date_end"))

    op.drop_table("agreements")
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visits_kind"))
        batch_op.drop_index(batch_op.f("ix_visits_host_country_id"))
        batch_op.drop_index(batch_op.f("ix_visits_guest_id"))
        batch_op.drop_index(batch_op.f("ix_visits_guest_country_id"))
        batch_op.drop_index(batch_op.f("ix_visits_date_start"))
        batch_op.drop_index(batch_op.f("ix_visits_date_end"))

    op.drop_table("visits")
    with op.batch_alter_table("signatories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_signatories_kind"))
        batch_op.drop_index(batch_op.f("ix_signatories_country_id"))

    op.drop_table("signatories")
    op.drop_table("discrepancy_readings")
    with op.batch_alter_table("citations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citations_source_id"))
        batch_op.drop_index("ix_citations_record")

    op.drop_table("citations")
    op.drop_table("sources")
    with op.batch_alter_table("sectors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sectors_parent_id"))

    op.drop_table("sectors")
    with op.batch_alter_table("discrepancies", schema=None) as batch_op:
        batch_op.drop_index("ix_discrepancies_record")

    op.drop_table("discrepancies")
    with op.batch_alter_table("countries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_countries_successor_id"))
        batch_op.drop_index(batch_op.f("ix_countries_alpha3"))
        batch_op.drop_index(batch_op.f("ix_countries_alpha2"))

    op.drop_table("countries")

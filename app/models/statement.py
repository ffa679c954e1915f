from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models._columns import (
    DatedMixin,
    ProvenanceMixin,
    SearchableMixin,
    date_sort_indexes,
)
from app.models.agreement import Agreement
from app.models.country import Country
from app.models.sector import Sector
from app.models.signatory import Signatory
from app.models.visit import Visit


class Statement(DatedMixin, ProvenanceMixin, SearchableMixin, Base):
    """What a party says: a remark, an assessment, a proposal, a pledge, a plan or a position,
    made by one or more countries (through a speaker, where a source names one), on the
    sectors it concerns, often during a visit."""

    __tablename__ = "statements"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    speaker_id: Mapped[str | None] = mapped_column(ForeignKey("signatories.id"), index=True)
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"), index=True)
    summary: Mapped[str | None] = mapped_column(Text)

    speaker: Mapped[Signatory | None] = relationship(lazy="raise")
    visit: Mapped[Visit | None] = relationship(lazy="raise")
    countries: Mapped[list["StatementCountry"]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="StatementCountry.country_id"
    )
    sectors: Mapped[list["StatementSector"]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="StatementSector.sector_id"
    )
    references: Mapped[list["StatementReference"]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="StatementReference.agreement_id"
    )


date_sort_indexes("statements", Statement.date_start, Statement.id)


class StatementCountry(Base):
    """A country on whose behalf the statement is made (both, for a joint one)."""

    __tablename__ = "statement_countries"
    __table_args__ = (
        Index("ix_statement_countries_country_statement", "country_id", "statement_id"),
    )

    statement_id: Mapped[str] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True
    )
    country_id: Mapped[str] = mapped_column(ForeignKey("countries.id"), primary_key=True)

    country: Mapped[Country] = relationship(lazy="raise")


class StatementSector(Base):
    __tablename__ = "statement_sectors"
    __table_args__ = (Index("ix_statement_sectors_sector_statement", "sector_id", "statement_id"),)

    statement_id: Mapped[str] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True
    )
    sector_id: Mapped[str] = mapped_column(ForeignKey("sectors.id"), primary_key=True)

    sector: Mapped[Sector] = relationship(lazy="raise")


class StatementReference(Base):
    """An instrument the statement invokes (the UN Charter, UNCLOS)."""

    __tablename__ = "statement_references"
    __table_args__ = (Index("ix_statement_references_agreement", "agreement_id"),)

    statement_id: Mapped[str] = mapped_column(
        ForeignKey("statements.id", ondelete="CASCADE"), primary_key=True
    )
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"), primary_key=True)

    agreement: Mapped[Agreement] = relationship(lazy="raise")

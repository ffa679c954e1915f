from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models._columns import (
    DatedMixin,
    ProvenanceMixin,
    SearchableMixin,
    date_sort_indexes,
)
from app.models.country import Country
from app.models.sector import Sector
from app.models.signatory import Signatory
from app.models.visit import Visit


class Agreement(DatedMixin, ProvenanceMixin, SearchableMixin, Base):
    """A treaty, MoU, letter of intent, joint statement, programme or other agreement."""

    __tablename__ = "agreements"
    __table_args__ = (
        Index("ix_agreements_title_id", "title", "id"),
        # Covers the counting index's read (app.counting.build), which would otherwise
        # visit every agreement's wide row: 5 s less of start-up at a million.
        Index("ix_agreements_counting", "id", "kind", "date", "date_start", "date_end", "visit_id"),
    )

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    place: Mapped[str | None] = mapped_column(String(200))
    place_country_id: Mapped[str | None] = mapped_column(ForeignKey("countries.id"))
    summary: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str | None] = mapped_column(String(40))
    visit_id: Mapped[str | None] = mapped_column(ForeignKey("visits.id"), index=True)

    visit: Mapped[Visit | None] = relationship(lazy="raise")
    parties: Mapped[list["AgreementParty"]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="AgreementParty.country_id"
    )
    signatories: Mapped[list["AgreementSignatory"]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="AgreementSignatory.position"
    )
    events: Mapped[list["AgreementEvent"]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="AgreementEvent.id"
    )
    sectors: Mapped[list["AgreementSector"]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="AgreementSector.sector_id"
    )
    references: Mapped[list["AgreementReference"]] = relationship(
        cascade="all, delete-orphan",
        lazy="raise",
        order_by="AgreementReference.referenced_id",
        foreign_keys="AgreementReference.agreement_id",
    )


date_sort_indexes("agreements", Agreement.date_start, Agreement.id)


class AgreementParty(Base):
    """A country (or historical entity) party to an agreement."""

    __tablename__ = "agreement_parties"
    __table_args__ = (
        Index("ix_agreement_parties_country_agreement", "country_id", "agreement_id"),
    )

    agreement_id: Mapped[str] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True
    )
    country_id: Mapped[str] = mapped_column(ForeignKey("countries.id"), primary_key=True)
    inferred_reason: Mapped[str | None] = mapped_column(Text)

    country: Mapped[Country] = relationship(lazy="raise")


class AgreementSignatory(Base):
    """Who signed (or witnessed, or adopted) an agreement, for which side."""

    __tablename__ = "agreement_signatories"
    __table_args__ = (
        Index("ix_agreement_signatories_signatory_agreement", "signatory_id", "agreement_id"),
    )

    agreement_id: Mapped[str] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True
    )
    signatory_id: Mapped[str] = mapped_column(ForeignKey("signatories.id"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20), primary_key=True)
    side_id: Mapped[str | None] = mapped_column(ForeignKey("countries.id"))
    position: Mapped[int] = mapped_column(default=0)

    signatory: Mapped[Signatory] = relationship(lazy="raise")


class AgreementSector(Base):
    __tablename__ = "agreement_sectors"
    __table_args__ = (Index("ix_agreement_sectors_sector_agreement", "sector_id", "agreement_id"),)

    agreement_id: Mapped[str] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True
    )
    sector_id: Mapped[str] = mapped_column(ForeignKey("sectors.id"), primary_key=True)

    sector: Mapped[Sector] = relationship(lazy="raise")


class AgreementEvent(DatedMixin, ProvenanceMixin, Base):
    """One party's action on an agreement: signature, ratification, entry into force, ..."""

    __tablename__ = "agreement_events"
    __table_args__ = (Index("ix_agreement_events_agreement", "agreement_id", "date_start"),)

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    agreement_id: Mapped[str] = mapped_column(ForeignKey("agreements.id", ondelete="CASCADE"))
    country_id: Mapped[str | None] = mapped_column(ForeignKey("countries.id"))
    action: Mapped[str] = mapped_column(String(30), index=True)
    note: Mapped[str | None] = mapped_column(Text)


class AgreementReference(Base):
    """One agreement referring to another (the Joint Statement to UNCLOS)."""

    __tablename__ = "agreement_references"
    __table_args__ = (Index("ix_agreement_references_referenced", "referenced_id"),)

    agreement_id: Mapped[str] = mapped_column(
        ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True
    )
    referenced_id: Mapped[str] = mapped_column(ForeignKey("agreements.id"), primary_key=True)

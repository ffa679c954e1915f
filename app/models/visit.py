from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models._columns import (
    DatedMixin,
    ProvenanceMixin,
    SearchableMixin,
    date_sort_indexes,
)
from app.models.country import Country
from app.models.signatory import Signatory


class Visit(DatedMixin, ProvenanceMixin, SearchableMixin, Base):
    """An official visit: who went where and when; agreements point back to it."""

    __tablename__ = "visits"
    # Who visited whom, from the index alone: a pair's visits are those of the host's
    # entries whose guest matches, each row read only then (migration 0017).
    __table_args__ = (
        Index("ix_visits_host_guest", "host_country_id", "guest_country_id", "guest_id"),
    )

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str | None] = mapped_column(String(20), index=True)
    guest_id: Mapped[str | None] = mapped_column(ForeignKey("signatories.id"), index=True)
    guest_title: Mapped[str | None] = mapped_column(String(300))
    guest_country_id: Mapped[str | None] = mapped_column(ForeignKey("countries.id"), index=True)
    host_country_id: Mapped[str | None] = mapped_column(ForeignKey("countries.id"), index=True)
    city: Mapped[str | None] = mapped_column(String(120))
    summary: Mapped[str | None] = mapped_column(Text)

    guest: Mapped[Signatory | None] = relationship(lazy="raise")
    guest_country: Mapped[Country | None] = relationship(
        foreign_keys=[guest_country_id], lazy="raise"
    )
    host_country: Mapped[Country | None] = relationship(
        foreign_keys=[host_country_id], lazy="raise"
    )


date_sort_indexes("visits", Visit.date_start, Visit.id)

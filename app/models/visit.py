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

PAIR_INDEX_COLUMNS = (
    "host_country_id",
    "guest_country_id",
    "guest_id",
    "date_start",
    "date_end",
    "id",
)


class Visit(DatedMixin, ProvenanceMixin, SearchableMixin, Base):
    """An official visit: who went where and when; agreements point back to it."""

    __tablename__ = "visits"
    # Who visited whom and when, from the index alone: a pair's visits are those of the
    # host's entries whose guest matches, counted and put in date order there, each row
    # read only for those shown (migrations 0017 and 0019). It serves `host_country_id`
    # alone too.
    __table_args__ = (Index("ix_visits_host_guest", *PAIR_INDEX_COLUMNS),)

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str | None] = mapped_column(String(20), index=True)
    guest_id: Mapped[str | None] = mapped_column(ForeignKey("signatories.id"), index=True)
    guest_title: Mapped[str | None] = mapped_column(String(300))
    guest_country_id: Mapped[str | None] = mapped_column(ForeignKey("countries.id"), index=True)
    host_country_id: Mapped[str | None] = mapped_column(ForeignKey("countries.id"))
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

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models._columns import DatedMixin, ProvenanceMixin, SearchableMixin
from app.models.country import Country


class Body(DatedMixin, ProvenanceMixin, SearchableMixin, Base):
    """A standing body of two or more countries: an intergovernmental committee, a commission.
    `date` is when it was established, where a source says."""

    __tablename__ = "bodies"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(40), index=True)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    summary: Mapped[str | None] = mapped_column(Text)

    countries: Mapped[list["BodyCountry"]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="BodyCountry.country_id"
    )


class BodyCountry(Base):
    __tablename__ = "body_countries"

    body_id: Mapped[str] = mapped_column(
        ForeignKey("bodies.id", ondelete="CASCADE"), primary_key=True
    )
    country_id: Mapped[str] = mapped_column(
        ForeignKey("countries.id"), primary_key=True, index=True
    )

    country: Mapped[Country] = relationship(lazy="raise")

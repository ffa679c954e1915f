from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base
from app.models._columns import DatedMixin, ProvenanceMixin


class RelationEvent(DatedMixin, ProvenanceMixin, Base):
    """A milestone in two countries' relations: diplomatic relations, a partnership level."""

    __tablename__ = "relation_events"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    title: Mapped[str] = mapped_column(String(300))
    country_a_id: Mapped[str] = mapped_column(ForeignKey("countries.id"), index=True)
    country_b_id: Mapped[str] = mapped_column(ForeignKey("countries.id"), index=True)
    # `mutual`, or `one-way`: the first country's act toward the second.
    direction: Mapped[str] = mapped_column(String(10), server_default="mutual")
    agreement_id: Mapped[str | None] = mapped_column(ForeignKey("agreements.id"))
    summary: Mapped[str | None] = mapped_column(Text)

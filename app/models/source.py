from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base


class Source(Base):
    """A source document, stored byte-for-byte with its sha256."""

    __tablename__ = "sources"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    kind: Mapped[str] = mapped_column(String(40))
    publisher: Mapped[str | None] = mapped_column(String(200))
    language: Mapped[str | None] = mapped_column(String(10))
    url: Mapped[str | None] = mapped_column(String(2000))
    published: Mapped[str | None] = mapped_column(String(10))
    notes: Mapped[str | None] = mapped_column(Text)
    filename: Mapped[str] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))


class AnchoredQuote:
    """Where a row's quote stands in its source's text (app.kinds.quotes), set on every write
    so that reads never search a text: code point offsets and the text around it."""

    quote_start: Mapped[int]
    quote_end: Mapped[int]
    quote_prefix: Mapped[str] = mapped_column(Text)
    quote_suffix: Mapped[str] = mapped_column(Text)


class Citation(AnchoredQuote, Base):
    """A verbatim quote of a source supporting a record (or one field of it).

    Polymorphic by (`record_type`, `record_id`) so every kind of record cites the same way.
    """

    __tablename__ = "citations"
    __table_args__ = (Index("ix_citations_record", "record_type", "record_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    record_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(default=0)
    field: Mapped[str | None] = mapped_column(String(60))
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"), index=True)
    quote: Mapped[str] = mapped_column(Text)


class Discrepancy(Base):
    """A point on which sources disagree, with each reading and its quote."""

    __tablename__ = "discrepancies"
    __table_args__ = (Index("ix_discrepancies_record", "record_type", "record_id"),)

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    record_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text)

    readings: Mapped[list["DiscrepancyReading"]] = relationship(
        cascade="all, delete-orphan", lazy="raise", order_by="DiscrepancyReading.position"
    )


class DiscrepancyReading(AnchoredQuote, Base):
    __tablename__ = "discrepancy_readings"

    discrepancy_id: Mapped[str] = mapped_column(
        ForeignKey("discrepancies.id", ondelete="CASCADE"), primary_key=True
    )
    position: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id"))
    quote: Mapped[str] = mapped_column(Text)

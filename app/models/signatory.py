from sqlalchemy import JSON, ForeignKey, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models._columns import ProvenanceMixin, SearchableMixin
from app.models.country import Country


class Signatory(ProvenanceMixin, SearchableMixin, Base):
    """Who signs or visits: a government, ministry, company, party, office or person."""

    __tablename__ = "signatories"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    country_id: Mapped[str | None] = mapped_column(ForeignKey("countries.id"), index=True)
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(Text)
    external_ids: Mapped[dict[str, str]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'")
    )

    country: Mapped[Country | None] = relationship(lazy="raise")

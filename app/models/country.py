from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base
from app.models._columns import ProvenanceMixin, SearchableMixin


class Country(ProvenanceMixin, SearchableMixin, Base):
    """A state or historical entity.

    `id` is the ISO 3166-1 alpha-2 code for current countries, the ISO 3166-3 alpha-4 code for
    withdrawn ones (`SUHH`), and a slug for entities ISO never coded (`azerbaijan-ssr`).
    Historical entities link to the present-day country through `successor_id`.
    """

    __tablename__ = "countries"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    alpha2: Mapped[str | None] = mapped_column(String(2), index=True)
    alpha3: Mapped[str | None] = mapped_column(String(3), index=True)
    numeric: Mapped[str | None] = mapped_column(String(3))
    name: Mapped[str] = mapped_column(String(200))
    official_name: Mapped[str | None] = mapped_column(String(300))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    names: Mapped[dict[str, str]] = mapped_column(JSON, default=dict, server_default=text("'{}'"))
    is_historical: Mapped[bool] = mapped_column(Boolean, default=False)
    valid_from: Mapped[str | None] = mapped_column(String(10))
    valid_to: Mapped[str | None] = mapped_column(String(10))
    note: Mapped[str | None] = mapped_column(Text)
    external_ids: Mapped[dict[str, str]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'")
    )
    successor_id: Mapped[str | None] = mapped_column(ForeignKey("countries.id"), index=True)
    part_of_id: Mapped[str | None] = mapped_column(ForeignKey("countries.id"))

    successor: Mapped["Country | None"] = relationship(
        remote_side=[id], foreign_keys=[successor_id], lazy="raise"
    )
    part_of: Mapped["Country | None"] = relationship(
        remote_side=[id], foreign_keys=[part_of_id], lazy="raise"
    )

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class Sector(Base):
    """A node of the sector tree (`energy` > `oil-and-gas`)."""

    __tablename__ = "sectors"

    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[str | None] = mapped_column(ForeignKey("sectors.id"), index=True)
    description: Mapped[str | None] = mapped_column(Text)

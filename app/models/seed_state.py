from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class SeedState(Base):
    """What `treaty-api seed` last wrote for one curated record (or last accepted from the
    seed files), in the API's record shape.

    Seeding compares three versions of each record: the seed file's, the stored one, and
    this one. Equal stored and last-written means nobody changed it over the API, so a
    changed seed entry may be applied; otherwise the API's edit stands. `sha256` (of the
    record's canonical JSON) answers "changed?"; `record` names the fields in a conflict.
    """

    __tablename__ = "seed_state"

    record_type: Mapped[str] = mapped_column(String(20), primary_key=True)
    record_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    record: Mapped[dict] = mapped_column(JSON)

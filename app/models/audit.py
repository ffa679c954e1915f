from datetime import datetime

from sqlalchemy import JSON, Connection, Index, String, event, update
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from app.db import Base
from app.models._columns import UTCDateTime


class ApiKey(Base):
    """A curator's key. Only the SHA-256 of the secret is stored; the secret is shown once.

    Keys are 256-bit random tokens, so a fast hash is enough: there is nothing to brute-force
    the way there is with a human-chosen password.
    """

    __tablename__ = "api_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    scope: Mapped[str] = mapped_column(String(10))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Change(Base):
    """One write: who, when, what, and the record before and after (null when absent).

    `id` increases with every write and is the cursor of the changes feed. It is taken from
    `FeedPosition` inside the writing transaction (see `_take_feed_position`), never from a
    sequence: a sequence hands out ids before commit, and concurrent transactions then
    commit out of order, so a follower that stored the last id it saw would skip the
    late ones.
    """

    __tablename__ = "changes"
    __table_args__ = (Index("ix_changes_record", "record_type", "record_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(100))
    action: Mapped[str] = mapped_column(String(10))
    record_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[str] = mapped_column(String(200))
    before: Mapped[dict | None] = mapped_column(JSON)
    after: Mapped[dict | None] = mapped_column(JSON)


class FeedPosition(Base):
    """The changes feed's last position: one row, bumped by every write.

    `UPDATE ... RETURNING` locks the row until the writer commits (or rolls back, which
    undoes the bump), so writers take positions one after another and commit in position
    order: when a follower sees position n, every position below n is already visible.
    Writers queue only from their audit entry to their commit; curation rates allow it.
    """

    __tablename__ = "feed_position"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    value: Mapped[int]


def next_feed_position(connection: Connection) -> int:
    """Take the next position of the changes feed, in the caller's transaction."""
    return connection.execute(
        update(FeedPosition)
        .where(FeedPosition.id == 1)
        .values(value=FeedPosition.value + 1)
        .returning(FeedPosition.value)
    ).scalar_one()


@event.listens_for(Change, "before_insert")
def _take_feed_position(_mapper: Mapper, connection: Connection, change: Change) -> None:
    """Every audit entry written through the ORM gets its id from the feed position."""
    if change.id is None:
        change.id = next_feed_position(connection)

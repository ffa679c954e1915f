"""Column groups shared by several models."""

import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Index,
    String,
    Text,
    TypeDecorator,
    func,
    literal_column,
    text,
)
from sqlalchemy.orm import Mapped, declared_attr, mapped_column


class DatedMixin:
    """A partial date (`date` at `date_precision`) with the interval it covers, for filters.

    `date_start`/`date_end` are derived from `date` at write time: a year-precision `2025`
    covers 2025-01-01..2025-12-31, so range filters and sorting work on any precision.
    """

    date: Mapped[str | None] = mapped_column(String(10))
    date_precision: Mapped[str | None] = mapped_column(String(5))
    date_inferred: Mapped[bool] = mapped_column(Boolean, default=False)
    date_inferred_reason: Mapped[str | None] = mapped_column(Text)

    @declared_attr
    def date_start(cls) -> Mapped[datetime.date | None]:
        return mapped_column(Date, index=True)

    @declared_attr
    def date_end(cls) -> Mapped[datetime.date | None]:
        return mapped_column(Date, index=True)


class ProvenanceMixin:
    """How each value not stated by a citation is known, by field: `{"host_country":
    {"basis": "inferred", "reason": "..."}, "external_ids.wikidata": {"basis": "reference",
    "dataset": "Wikidata"}}` (see `app.schemas.common.Provenance`). Absent fields are cited."""

    provenance: Mapped[dict[str, dict[str, str]]] = mapped_column(
        JSON, default=dict, server_default=text("'{}'")
    )


class SearchableMixin:
    """Folded text (see `app.text.fold`) stored at write time and matched by `q`."""

    search_text: Mapped[str] = mapped_column(Text, default="")


class UTCDateTime(TypeDecorator[datetime.datetime]):
    """A timezone-aware UTC timestamp on every database (SQLite keeps no time zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):  # type: ignore[no-untyped-def]
        return value.astimezone(datetime.UTC) if value is not None else None

    def process_result_value(self, value, dialect):  # type: ignore[no-untyped-def]
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=datetime.UTC)
        return value


# Undated records sort last in both directions: their sort key is the latest date going up
# and the earliest going down. Queries sort on exactly these expressions and the tables
# index them, so a page, however deep, is one index range scan.
LAST_GOING_UP = datetime.date(9999, 12, 31)
LAST_GOING_DOWN = datetime.date(1, 1, 1)


def date_sort_key(column: Any, descending: bool) -> ColumnElement[Any]:
    sentinel = LAST_GOING_DOWN if descending else LAST_GOING_UP
    return func.coalesce(column, literal_column(f"'{sentinel.isoformat()}'", type_=Date()))


def date_sort_indexes(table: str, date_start: Any, id_column: Any) -> list[Index]:
    return [
        Index(f"ix_{table}_date_{direction}", date_sort_key(date_start, descending), id_column)
        for direction, descending in (("up", False), ("down", True))
    ]

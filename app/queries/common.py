"""Pieces every list query shares: text match, keyset cursors, paging, id expansion."""

import base64
import binascii
import datetime
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    bindparam,
    func,
    literal_column,
    or_,
    select,
)
from sqlalchemy.orm import InstrumentedAttribute, Session

from app.db.prepared import Prepared
from app.errors import InvalidParameter
from app.models import Country, Sector
from app.models._columns import LAST_GOING_DOWN, LAST_GOING_UP, date_sort_key


@dataclass(frozen=True)
class SortKey:
    """A non-null sort expression and direction; ties are broken by `id` the same way."""

    name: str
    key: ColumnElement[Any]
    id_column: InstrumentedAttribute[Any]
    descending: bool
    value: Callable[[Any], Any]
    """The row's value of `key`, computed in Python (for the cursor)."""

    @classmethod
    def by_date(cls, name: str, model: Any, descending: bool) -> "SortKey":
        sentinel = LAST_GOING_DOWN if descending else LAST_GOING_UP
        return cls(
            name,
            date_sort_key(model.date_start, descending),
            model.id,
            descending,
            lambda row: row.date_start or sentinel,
        )

    @classmethod
    def by_column(
        cls,
        name: str,
        column: InstrumentedAttribute[Any],
        id_column: InstrumentedAttribute[Any],
        descending: bool = False,
    ) -> "SortKey":
        return cls(name, column, id_column, descending, lambda row: getattr(row, column.key))

    def order_by(self) -> list[Any]:
        if self.descending:
            return [self.key.desc(), self.id_column.desc()]
        return [self.key.asc(), self.id_column.asc()]

    def after(self, value: Any, last_id: Any) -> ColumnElement[bool]:
        """Rows strictly after (`value`, `last_id`) in this order: the keyset condition,
        written so that it is an index range (`key <= v AND (key < v OR id > i)`)."""
        if self.descending:
            return and_(self.key <= value, or_(self.key < value, self.id_column < last_id))
        return and_(self.key >= value, or_(self.key > value, self.id_column > last_id))

    def value_of(self, row: Any) -> Any:
        value = self.value(row)
        return value.isoformat() if isinstance(value, datetime.date) else value

    def parse_value(self, raw: Any) -> Any:
        """The cursor's sort value, of the sort key's own type, so a forged cursor never
        reaches the database."""
        return cursor_value(self.key, raw, "sort value")

    def parse_id(self, raw: Any) -> Any:
        return cursor_value(self.id_column, raw, "id")


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def cursor_date(raw: Any) -> datetime.date:
    if not isinstance(raw, str) or not _ISO_DATE.fullmatch(raw):
        raise ValueError("its sort value must be a YYYY-MM-DD date")
    return datetime.date.fromisoformat(raw)


def cursor_text(raw: Any, what: str) -> str:
    if not isinstance(raw, str) or _CONTROL.search(raw):
        raise ValueError(f"its {what} must be text")
    return raw


def cursor_int(raw: Any, what: str) -> int:
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise ValueError(f"its {what} must be an integer")
    return raw


def cursor_value(column: Any, raw: Any, what: str) -> Any:
    """A cursor's part for `column`, of the column's own type (a date, an integer or text)."""
    python_type = column.type.python_type
    if python_type is datetime.date:
        return cursor_date(raw)
    if python_type is int:
        return cursor_int(raw, what)
    return cursor_text(raw, what)


def pack_cursor(order: str, *position: Any) -> str:
    """A keyset cursor: the name of the order it walks, then the last row's position in
    it, as base64url JSON (opaque to clients, but checked part by part when it comes back)."""
    payload = orjson.dumps([order, *position])
    return base64.urlsafe_b64encode(payload).decode().rstrip("=")


def unpack_cursor(
    cursor: str, order: str, parse: Callable[..., tuple[Any, ...]]
) -> tuple[Any, ...]:
    """The position a `pack_cursor` cursor holds, through `parse` (which raises ValueError
    or TypeError on a part of the wrong type or shape); a 422 naming `cursor` for anything
    else than a cursor of `order`."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        payload = orjson.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(payload, list) or not payload:
            raise ValueError("it is not one of this API's cursors")
        if payload[0] != order:
            raise ValueError("it was made for another sort order")
        return parse(*payload[1:])
    except (ValueError, TypeError, binascii.Error):  # orjson.JSONDecodeError is a ValueError
        raise InvalidParameter(
            "invalid cursor: pass the `next_cursor` of a page of this list, in the same sort",
            parameter="cursor",
        ) from None


def encode_cursor(sort: SortKey, row: Any) -> str:
    return pack_cursor(sort.name, sort.value_of(row), row.id)


def decode_cursor(sort: SortKey, cursor: str) -> ColumnElement[bool]:
    """The keyset condition of a cursor from `encode_cursor`."""
    return sort.after(*cursor_position(sort, cursor))


def cursor_position(sort: SortKey, cursor: str) -> tuple[Any, Any]:
    """The (sort value, id) of a cursor from `encode_cursor`, each checked in type and
    shape (422 otherwise)."""

    def parse(value: Any, last_id: Any) -> tuple[Any, Any]:
        return sort.parse_value(value), sort.parse_id(last_id)

    return unpack_cursor(cursor, sort.name, parse)  # type: ignore[return-value]


def keyset_batches(
    session: Session, stmt: Select[Any], sort: SortKey, batch: int = 1000, tuples: bool = False
) -> Iterator[list[Any]]:
    """Every row of `stmt` in `sort` order, in keyset batches: memory stays flat however many
    there are (each batch leaves the session once read), and each batch costs what the first
    does. ORM entities, or with `tuples` the rows of a select of columns."""
    stmt = stmt.order_by(*sort.order_by())
    after = None
    while True:
        page = stmt.where(after) if after is not None else stmt
        page = page.limit(batch)
        rows = list(columns(session, page).all() if tuples else session.scalars(page).unique())
        if not rows:
            return
        yield rows
        after = sort.after(sort.value(rows[-1]), rows[-1].id)
        session.expunge_all()


@dataclass
class PageResult:
    rows: Sequence[Any]
    total: int
    next_cursor: str | None
    total_exact: bool = True
    facets: dict[str, list[dict[str, object]]] | None = None
    """Counts by facet, when the list was asked for some (see `app.queries.facets`)."""

    @classmethod
    def counted(cls, rows: Sequence[Any], total: int, next_cursor: str | None) -> "PageResult":
        """A page whose `total` came from `capped_count`: at most COUNT_CAP, flagged if more."""
        return cls(rows, min(total, COUNT_CAP), next_cursor, total_exact=total <= COUNT_CAP)


def trimmed(rows: list[Any], sort: SortKey, limit: int) -> tuple[list[Any], str | None]:
    """A page read with one row more than `limit` (to see whether more remain): its rows,
    and the cursor after them while more remain."""
    page = rows[:limit]
    return page, encode_cursor(sort, page[-1]) if len(rows) > limit else None


def paginate(
    session: Session,
    stmt: Select[Any],
    sort: SortKey,
    *,
    limit: int,
    offset: int,
    cursor: str | None,
    count_from: Select[Any] | None = None,
    total: int | None = None,
    tuples: bool = False,
) -> PageResult:
    """Count the matches (unless `total`, an exact count, is given), then fetch one page by
    offset or keyset cursor (+1 row to see more): ORM entities, or with `tuples` the rows
    of a select of columns."""
    if cursor and offset:
        raise InvalidParameter("use either cursor or offset, not both", parameter="cursor")
    exact = total is not None
    if total is None:
        total = capped_count(session, stmt if count_from is None else count_from)
    page = stmt.order_by(*sort.order_by())
    page = page.where(decode_cursor(sort, cursor)) if cursor else page.offset(offset)
    page = page.limit(limit + 1)
    rows, next_cursor = trimmed(
        list(columns(session, page).all() if tuples else session.scalars(page).unique()),
        sort,
        limit,
    )
    if exact:
        return PageResult(rows, total, next_cursor)
    return PageResult.counted(rows, total, next_cursor)


def columns(session: Session, stmt: Select[Any], params: dict[str, Any] | None = None) -> Any:
    """The rows of a select of columns, run on the session's connection (in its
    transaction): plain rows without the ORM's per-statement work, which costs more than
    a small indexed query does."""
    return session.connection().execute(stmt, params)


COUNT_CAP = 10_000


def capped_count(session: Session, stmt: Select[Any]) -> int:
    """How many rows match, counting no further than COUNT_CAP + 1.

    An exact count of a large match costs a walk over all of it (seconds at a million rows);
    past the cap a client learns only that there are more than 10,000, as GitHub's search
    does, and walks on by cursor."""
    limited = (
        stmt.with_only_columns(literal_column("1"), maintain_column_froms=True)
        .order_by(None)
        .limit(COUNT_CAP + 1)
    )
    return session.scalar(select(func.count()).select_from(limited.subquery())) or 0


def resolve_country(session: Session, code: str) -> Country | None:
    """A country by id, alpha-2, alpha-3 (any case) or slug; current countries win ties."""
    if not code.strip():
        return None
    return session.scalars(_COUNTRY.limit(1), _code_params(code)).first()


def country_family(session: Session, parameter: str, code: str) -> list[str]:
    """A country's id and every predecessor's (entities whose successor chain reaches it),
    in one statement: the country `resolve_country` finds, then the walk from it."""
    family = _walk(session, _FAMILY_OF_CODE, _code_params(code)) if code.strip() else []
    if not family:
        raise InvalidParameter(f"unknown country code {code!r}", parameter=parameter)
    return family


def family_of(session: Session, country_id: str) -> list[str]:
    """A known country's id and its predecessors' ids."""
    return _walk(session, _FAMILY_OF_ID, {"start": country_id})


def require(session: Session, model: type[Any], record_id: str, parameter: str) -> None:
    """A filter naming a record that does not exist is a client error, not an empty list."""
    if session.get(model, record_id) is None:
        raise InvalidParameter(f"unknown {parameter} {record_id!r}", parameter=parameter)


def sector_descendants(session: Session, parameter: str, slug: str) -> list[str]:
    """A sector's id and every sub-sector's, at any depth (one statement; an unknown sector
    is a 422)."""
    tree = _walk(session, _SECTOR_TREE, {"start": slug})
    if not tree:
        raise InvalidParameter(f"unknown {parameter} {slug!r}", parameter=parameter)
    return tree


def _code_params(code: str) -> dict[str, str]:
    return {"upper": code.strip().upper(), "lower": code.strip().lower()}


def closure(id_column: Any, link_column: Any, start: Select[Any]) -> Select[Any]:
    """The ids `start` selects (one row) and every row linking to them through
    `link_column`, at any depth (a country's predecessors through `successor_id`, a
    sector's descendants through `parent_id`), as (id, depth 0 for the start, else 1): one
    recursive query. UNION (not UNION ALL) ends the walk even on a cycle."""
    first = start.subquery()
    walk = select(first.c[0].label("id"), literal_column("0").label("depth"))
    walk = walk.cte("closure", recursive=True)
    walk = walk.union(select(id_column, literal_column("1")).join(walk, link_column == walk.c.id))
    return select(walk.c.id, walk.c.depth)


def _walk(session: Session, stmt: Prepared, params: dict[str, str]) -> list[str]:
    """The ids of a `closure` statement, the start first (empty when nothing starts it)."""
    rows = stmt.rows(session, params)
    root = [i for i, depth in rows if depth == 0]
    return [*root, *sorted({i for i, _ in rows} - set(root))]


# Built once and prepared (see app.db.prepared): these run on most list requests, and
# a statement built per call costs more Python than the query costs SQLite.
_COUNTRY = (
    select(Country)
    .where(
        or_(
            Country.id == bindparam("upper"),
            Country.id == bindparam("lower"),
            Country.alpha2 == bindparam("upper"),
            Country.alpha3 == bindparam("upper"),
        )
    )
    .order_by(Country.is_historical, Country.id)
)
_FAMILY_OF_CODE = Prepared(
    closure(Country.id, Country.successor_id, _COUNTRY.with_only_columns(Country.id).limit(1))
)
_FAMILY_OF_ID = Prepared(
    closure(
        Country.id, Country.successor_id, select(Country.id).where(Country.id == bindparam("start"))
    )
)
_SECTOR_TREE = Prepared(
    closure(Sector.id, Sector.parent_id, select(Sector.id).where(Sector.id == bindparam("start")))
)

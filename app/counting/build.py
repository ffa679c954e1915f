"""Read agreements from the database into the counting index.

A full build streams one statement (the agreements in id order, each with its links as
strings) from the driver's own cursor and hands it to `app.counting.bulk` a batch at a time.
It must see one snapshot: `build_index` reads in one REPEATABLE READ transaction on
PostgreSQL (a SQLite transaction is one).
"""

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from itertools import groupby, repeat
from operator import itemgetter
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    cast,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.orm import Session

from app.counting.bulk import Builder
from app.counting.index import UNDATED, AgreementIndex, AgreementRow
from app.models import Agreement, AgreementParty, AgreementSector, AgreementSignatory, Change
from app.queries.prepared import Prepared

BATCH = 5_000
SEPARATOR = "\x1f"
"""Precedes each of an agreement's linked ids in one string (ids never hold control
characters), so an agreement's number of links is the count of SEPARATOR in it."""
AGREEMENTS = select(
    Agreement.id,
    Agreement.kind,
    Agreement.date,
    Agreement.date_start,
    Agreement.date_end,
    Agreement.visit_id,
)
LINKS = {
    "country": (AgreementParty, AgreementParty.country_id),
    "sector": (AgreementSector, AgreementSector.sector_id),
    "signatory": (AgreementSignatory, AgreementSignatory.signatory_id),
}


def feed_position(session: Session) -> int:
    """The newest change's id (0 before any), a prepared statement (app.queries.prepared):
    it runs before every indexed count."""
    return _FEED_POSITION.rows(session)[0][0] or 0


_FEED_POSITION = Prepared(select(func.max(Change.id)))


def build_index(session: Session) -> AgreementIndex:
    """The index of every agreement as `session` sees them, current to the feed position
    read first (a change committed meanwhile is applied again later: no harm).

    One statement gives, in id order, each agreement's columns and, per link table, its
    linked ids in one string. Almost all of the time is the driver making Python objects
    of rows, which is why there is one narrow row per agreement (measured at a million:
    5.2 s of CPU, against 7.7 s for the agreements and one aligned statement per link
    table read side by side) and dates come as day numbers."""
    snapshot = {"isolation_level": "REPEATABLE READ"} if _is_postgresql(session) else {}
    connection = session.connection(execution_options=snapshot)
    position = feed_position(session)
    builder = Builder()
    for batch in _raw(connection, _bulk_agreements(connection.dialect.name)):
        ids, kinds, years, starts, ends, visits, *linked = _columns(batch, 6 + len(LINKS))
        rows = builder.agreements(ids, kinds, years, starts, ends, visits)
        for name, joined in zip(LINKS, linked, strict=True):
            counts = list(map(str.count, joined, repeat(SEPARATOR)))
            builder.links(name, rows, counts, "".join(joined).split(SEPARATOR)[1:])
    return builder.finish(position)


def _bulk_agreements(dialect: str) -> Select[Any]:
    return select(
        Agreement.id,
        Agreement.kind,
        func.substr(Agreement.date, 1, 4),
        _day_number(Agreement.date_start, dialect),
        _day_number(Agreement.date_end, dialect),
        Agreement.visit_id,
        *(_joined(table, column) for table, column in LINKS.values()),
    ).order_by(Agreement.id)


def _day_number(column: Any, dialect: str) -> ColumnElement[int]:
    """`date.toordinal()` of a date column, computed by the database (UNDATED for NULL)."""
    if dialect == "postgresql":
        days = column - literal_column("DATE '0001-01-01'") + 1
    else:
        days = cast(func.julianday(column) - 1721424.5, Integer)
    return func.coalesce(days, UNDATED)


def _joined(table: Any, column: Any) -> ColumnElement[str]:
    """An agreement's `column` values in the link `table`, each after a SEPARATOR ('' for
    none): a subquery per agreement on the link's primary key (agreement_id first)."""
    values = func.aggregate_strings(literal(SEPARATOR) + column, "")
    linked = select(values).where(table.agreement_id == Agreement.id).scalar_subquery()
    return func.coalesce(linked, "")


def _columns(rows: list[Any], width: int) -> list[list[Any]]:
    """The columns of `rows` (`zip(*rows)` makes an iterator per row: several times slower)."""
    return [list(map(itemgetter(i), rows)) for i in range(width)]


def _is_postgresql(session: Session) -> bool:
    bind = session.get_bind()
    return bind.dialect.name == "postgresql"


def rows_for(session: Session, ids: Sequence[str]) -> list[AgreementRow]:
    """The current rows of these agreements (absent ones are simply missing)."""
    links = {
        name: dict(
            _grouped(
                session.execute(
                    select(table.agreement_id, column)
                    .where(table.agreement_id.in_(ids))
                    .order_by(table.agreement_id)
                )
            )
        )
        for name, (table, column) in LINKS.items()
    }
    agreements = session.execute(AGREEMENTS.where(Agreement.id.in_(ids)))
    return [
        _row(a, {name: found.get(a[0], []) for name, found in links.items()}) for a in agreements
    ]


def _grouped(pairs: Iterable[Any]) -> Iterator[tuple[str, list[str]]]:
    for key, group in groupby(pairs, key=lambda pair: pair[0]):
        yield key, [value for _, value in group]


def _row(agreement: Any, links: dict[str, list[str]]) -> AgreementRow:
    agreement_id, kind, text, start, end, visit_id = agreement
    return AgreementRow(
        agreement_id,
        kind,
        text,
        _date(start),
        _date(end),
        visit_id,
        links.get("country", ()),
        links.get("sector", ()),
        links.get("signatory", ()),
    )


def _date(value: str | date | None) -> date | None:
    """Raw SQLite rows carry dates as ISO text; PostgreSQL's and typed rows as dates."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _raw(connection: Connection, stmt: Select[Any]) -> Iterator[list[Any]]:
    """Rows of `stmt` as batches of plain tuples from the driver's own cursor (SQLAlchemy's
    rows cost more than the read itself at this size), streamed: PostgreSQL through a
    server-side cursor, SQLite's cursor steps through the result as it is fetched."""
    sql = str(stmt.compile(dialect=connection.dialect, compile_kwargs={"literal_binds": True}))
    driver = connection.connection.dbapi_connection
    assert driver is not None
    postgresql = connection.dialect.name == "postgresql"
    cursor = driver.cursor(name=f"counting_{id(stmt)}") if postgresql else driver.cursor()
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(BATCH):
            yield batch
    finally:
        cursor.close()

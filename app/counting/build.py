"""Read agreements from the database into the counting index.

A full build streams four statements (the agreements and each link table, all in id order)
from the driver's own cursors and hands them to `app.counting.bulk` a batch at a time: each
batch of agreements, then the links that belong to it (the streams share one order, so those
come next in each). The statements must see one snapshot: `build_index` reads them in one
REPEATABLE READ transaction on PostgreSQL (a SQLite transaction is one).
"""

from bisect import bisect_left
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from itertools import groupby
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Select, func, select
from sqlalchemy.orm import Session

from app.counting.bulk import Builder
from app.counting.index import AgreementIndex, AgreementRow
from app.models import Agreement, AgreementParty, AgreementSector, AgreementSignatory, Change

BATCH = 20_000
AGREEMENTS = select(
    Agreement.id,
    Agreement.kind,
    Agreement.date,
    Agreement.date_start,
    Agreement.date_end,
    Agreement.visit_id,
)
BULK_AGREEMENTS = select(
    Agreement.id,
    Agreement.kind,
    func.substr(Agreement.date, 1, 4),
    Agreement.date_start,
    Agreement.date_end,
    Agreement.visit_id,
)
LINKS = {
    "country": select(AgreementParty.agreement_id, AgreementParty.country_id),
    "sector": select(AgreementSector.agreement_id, AgreementSector.sector_id),
    "signatory": select(AgreementSignatory.agreement_id, AgreementSignatory.signatory_id),
}


def feed_position(session: Session) -> int:
    return session.scalar(select(func.max(Change.id))) or 0


def build_index(session: Session) -> AgreementIndex:
    """The index of every agreement as `session` sees them, current to the feed position
    read first (a change committed meanwhile is applied again later: no harm)."""
    snapshot = {"isolation_level": "REPEATABLE READ"} if _is_postgresql(session) else {}
    connection = session.connection(execution_options=snapshot)
    position = feed_position(session)
    links = {
        name: _Pending(_raw(connection, stmt.order_by(stmt.selected_columns[0])))
        for name, stmt in LINKS.items()
    }
    builder = Builder()
    for batch in _raw(connection, BULK_AGREEMENTS.order_by(Agreement.id)):
        ids, kinds, years, starts, ends, visits = _columns(batch, 6)
        rows = builder.agreements(ids, kinds, years, starts, ends, visits)
        row_of = dict(zip(ids, rows, strict=True))
        for name, pending in links.items():
            agreement_ids, values = _columns(pending.take(row_of), 2)
            builder.links(name, map(row_of.__getitem__, agreement_ids), values)
    return builder.finish(position)


def _columns(rows: list[Any], width: int) -> list[list[Any]]:
    """The columns of `rows` (`zip(*rows)` makes an iterator per row: several times slower)."""
    return [list(map(itemgetter(i), rows)) for i in range(width)]


class _Pending:
    """A link stream read ahead in batches: `take` hands over the links of the current
    batch of agreements, which come first, and keeps the rest for the next."""

    def __init__(self, batches: Iterator[list[Any]]) -> None:
        self._batches = batches
        self._rest: list[Any] = []

    def take(self, row_of: dict[str, int]) -> list[Any]:
        taken: list[Any] = []
        while True:
            if not self._rest:
                self._rest = next(self._batches, [])
                if not self._rest:
                    return taken
            # False (in this batch of agreements) for a prefix, then True: bisect finds the cut
            cut = bisect_left(self._rest, True, key=lambda pair: pair[0] not in row_of)
            taken += self._rest[:cut]
            if cut < len(self._rest):
                self._rest = self._rest[cut:]
                return taken
            self._rest = []


def _is_postgresql(session: Session) -> bool:
    bind = session.get_bind()
    return bind.dialect.name == "postgresql"


def rows_for(session: Session, ids: Sequence[str]) -> list[AgreementRow]:
    """The current rows of these agreements (absent ones are simply missing)."""
    links = {
        name: dict(
            _grouped(
                session.execute(
                    stmt.where(stmt.selected_columns[0].in_(ids)).order_by(stmt.selected_columns[0])
                )
            )
        )
        for name, stmt in LINKS.items()
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

"""Read agreements from the database into the counting index.

A full build streams four statements (the agreements and each link table, all in id order)
and merges them as they come, without SQLAlchemy's type processing, so a million agreements
are read in seconds and nothing is held but the index itself. The statements must see one
snapshot: `app.counting.live` reads them in one REPEATABLE READ transaction.
"""

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, Select, func, select
from sqlalchemy.orm import Session

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
LINKS = {
    "countries": select(AgreementParty.agreement_id, AgreementParty.country_id),
    "sectors": select(AgreementSector.agreement_id, AgreementSector.sector_id),
    "signatories": select(AgreementSignatory.agreement_id, AgreementSignatory.signatory_id),
}


def feed_position(session: Session) -> int:
    return session.scalar(select(func.max(Change.id))) or 0


def build_index(session: Session) -> AgreementIndex:
    """The index of every agreement as `session` sees them, current to the feed position
    read first (a change committed meanwhile is applied again later: no harm). All of it
    is read in one snapshot (REPEATABLE READ on PostgreSQL; a SQLite transaction is one)."""
    snapshot = {"isolation_level": "REPEATABLE READ"} if _is_postgresql(session) else {}
    connection = session.connection(execution_options=snapshot)
    position = feed_position(session)
    links = {
        name: _grouped(_raw(connection, stmt.order_by(stmt.selected_columns[0])))
        for name, stmt in LINKS.items()
    }
    agreements = _raw(connection, AGREEMENTS.order_by(Agreement.id))
    return AgreementIndex.from_rows(_merged(agreements, links), position)


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


def _merged(
    agreements: Iterable[Any], links: dict[str, Iterator[tuple[str, list[str]]]]
) -> Iterator[AgreementRow]:
    """Each agreement with its links: every stream is in the same id order (one collation,
    one snapshot), so the next group of each link stream belongs to this agreement or a
    later one."""
    pending = {name: next(groups, None) for name, groups in links.items()}
    for agreement in agreements:
        found: dict[str, list[str]] = {}
        for name, groups in links.items():
            head = pending[name]
            if head is not None and head[0] == agreement[0]:
                found[name] = head[1]
                pending[name] = next(groups, None)
        yield _row(agreement, found)


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
        links.get("countries", ()),
        links.get("sectors", ()),
        links.get("signatories", ()),
    )


def _date(value: str | date | None) -> date | None:
    """Raw SQLite rows carry dates as ISO text; PostgreSQL's and typed rows as dates."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def _raw(connection: Connection, stmt: Select[Any]) -> Iterator[Any]:
    """Rows of `stmt` as plain tuples from the driver's own cursor (SQLAlchemy's rows cost
    more than the read itself at this size), streamed: PostgreSQL through a server-side
    cursor, SQLite's cursor steps through the result as it is iterated."""
    sql = str(stmt.compile(dialect=connection.dialect))
    driver = connection.connection.dbapi_connection
    assert driver is not None
    if connection.dialect.name == "postgresql":
        cursor = driver.cursor(name=f"counting_{id(stmt)}")
        cursor.itersize = BATCH
    else:
        cursor = driver.cursor()
    try:
        cursor.execute(sql)
        yield from cursor
    finally:
        cursor.close()

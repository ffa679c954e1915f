"""Read agreements from the database into the counting index.

A full build reads the agreements a batch at a time, in id order (keyset: the ids after the
last batch's), and per link table the links of the batch's ids. Each read is one row of a few
long strings: the database joins each column's values (`_Joined`), so the driver makes a
handful of Python objects per batch instead of some ten per agreement, and the statement's
work happens in one call that holds no Python lock. A covering index (migration 0012) lets
the agreements' read skip their wide rows.

It must see one snapshot: `build_index` reads in one REPEATABLE READ transaction on
PostgreSQL (a SQLite transaction is one).
"""

from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from itertools import groupby
from typing import Any

import numpy as np
from sqlalchemy import (
    ColumnElement,
    Engine,
    Integer,
    String,
    bindparam,
    cast,
    func,
    literal,
    literal_column,
    select,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler

from app.counting.bulk import Builder
from app.counting.index import UNDATED, AgreementIndex, AgreementRow
from app.db.prepared import Prepared
from app.models import Agreement, AgreementParty, AgreementSector, AgreementSignatory, Change

BATCH = 20_000
UNIT = "\x1f"
"""Separates the values of a text column in a batch's string (ids never hold control
characters); numbers are separated by commas."""
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


class _Joined(ColumnElement[str]):
    """Every value of `column` in the group, as text, in one string: separated by
    `separator`, NULL for no rows. PostgreSQL joins them in `order`; SQLite (before 3.44)
    has no order within an aggregate and joins them as its FROM subquery yields them, which
    `build_index` checks."""

    type = String()
    inherit_cache = False  # compiled once per dialect by `Prepared`

    def __init__(
        self, column: ColumnElement[Any], separator: str, order: ColumnElement[Any] | None = None
    ) -> None:
        self.column = column
        self.separator = literal(separator)
        self.order = order

    @property
    def _from_objects(self) -> list[Any]:
        return self.column._from_objects


@compiles(_Joined, "sqlite")
def _group_concat(element: _Joined, compiler: SQLCompiler, **kw: Any) -> str:
    column, separator = (compiler.process(e, **kw) for e in (element.column, element.separator))
    return f"group_concat({column}, {separator})"


@compiles(_Joined)
def _string_agg(element: _Joined, compiler: SQLCompiler, **kw: Any) -> str:
    column, separator = (compiler.process(e, **kw) for e in (element.column, element.separator))
    order = "" if element.order is None else f" ORDER BY {compiler.process(element.order, **kw)}"
    return f"string_agg(CAST({column} AS TEXT), {separator}{order})"


def _day_number(column: Any, dialect: str) -> ColumnElement[int]:
    """`date.toordinal()` of a date column, computed by the database (UNDATED for NULL)."""
    if dialect == "postgresql":
        days = column - literal_column("DATE '0001-01-01'") + 1
    else:
        days = cast(func.julianday(column) - 1721424.5, Integer)
    return func.coalesce(days, UNDATED)


def _agreement_batch(dialect: str) -> Prepared:
    """The next BATCH agreements after id `after`: their ids, kinds, years, start and end
    day numbers (UNDATED for none) and visits ('' for none), each column one string."""
    page = (
        select(
            Agreement.id,
            Agreement.kind,
            func.coalesce(func.substr(Agreement.date, 1, 4), "").label("year"),
            _day_number(Agreement.date_start, dialect).label("start"),
            _day_number(Agreement.date_end, dialect).label("end"),
            func.coalesce(Agreement.visit_id, "").label("visit"),
        )
        .where(Agreement.id > bindparam("after"))
        .order_by(Agreement.id)
        .limit(bindparam("size"))
        .subquery()
    )
    order = page.c.id if dialect == "postgresql" else None
    return Prepared(
        select(
            *(
                _Joined(column, "," if column.name in ("start", "end") else UNIT, order)
                for column in page.c
            )
        )
    )


def _link_batch(table: Any, column: Any) -> Prepared:
    """The links of the agreements with ids from `first` to `last`: the agreement of each
    and its linked value, two strings in the same order."""
    return Prepared(
        select(_Joined(table.agreement_id, UNIT), _Joined(column, UNIT)).where(
            table.agreement_id.between(bindparam("first"), bindparam("last"))
        )
    )


_AGREEMENT_BATCH = {dialect: _agreement_batch(dialect) for dialect in ("sqlite", "postgresql")}
_LINK_BATCH = {name: _link_batch(table, column) for name, (table, column) in LINKS.items()}


def feed_position(session: Session) -> int:
    """The newest change's id (0 before any), a prepared statement (app.db.prepared):
    it runs before every indexed count."""
    return _FEED_POSITION.rows(session)[0][0] or 0


_FEED_POSITION = Prepared(select(func.max(Change.id)))


def build_index(session: Session, batch: int = BATCH) -> AgreementIndex:
    """The index of every agreement as `session` sees them, current to the feed position
    read first (a change committed meanwhile is applied again later: no harm).

    Measured at a million agreements on SQLite: 4 s of CPU, of which 2 s inside the
    database, where one row per agreement with its links as subquery strings took 19 s."""
    bind = session.get_bind()
    dialect = bind.dialect.name
    if dialect == "postgresql" and isinstance(bind, Engine) and not session.in_transaction():
        # One snapshot for every batch (a session on a connection in a transaction of its
        # own, as a test's is, reads in that transaction).
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    position = feed_position(session)
    agreements = _AGREEMENT_BATCH[dialect]
    builder = Builder()
    after = ""
    while True:
        ids_text, kinds, years, starts, ends, visits = agreements.rows(
            session, {"after": after, "size": batch}
        )[0]
        if ids_text is None:
            break
        ids = ids_text.split(UNIT)
        builder.agreements(
            ids,
            kinds.split(UNIT),
            years.split(UNIT),
            _numbers(starts, len(ids)),
            _numbers(ends, len(ids)),
            visits.split(UNIT),
        )
        if dialect == "sqlite" and not builder.in_order:
            raise RuntimeError("SQLite joined a batch of agreements out of id order")
        for name, read in _LINK_BATCH.items():
            agreement_ids, values = read.rows(session, {"first": ids[0], "last": ids[-1]})[0]
            if agreement_ids is not None:
                builder.links(name, agreement_ids.split(UNIT), values.split(UNIT))
        after = ids[-1]
    return builder.finish(position)


def _numbers(joined: str, count: int) -> np.ndarray:
    numbers = np.fromstring(joined, dtype=np.int32, sep=",")
    if len(numbers) != count:
        raise ValueError(f"expected {count} numbers in a batch, read {len(numbers)}")
    return numbers


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

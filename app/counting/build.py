"""Read agreements from the database into `AgreementRow`s for the counting index."""

from collections.abc import Iterable, Iterator, Sequence
from itertools import groupby
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from app.counting.index import AgreementIndex, AgreementRow
from app.models import Agreement, AgreementParty, AgreementSector, AgreementSignatory, Change

BATCH = 10_000
LINKS = (
    ("countries", AgreementParty.agreement_id, AgreementParty.country_id),
    ("sectors", AgreementSector.agreement_id, AgreementSector.sector_id),
    ("signatories", AgreementSignatory.agreement_id, AgreementSignatory.signatory_id),
)
COLUMNS = (
    Agreement.id,
    Agreement.kind,
    Agreement.date,
    Agreement.date_start,
    Agreement.date_end,
    Agreement.visit_id,
)


def feed_position(session: Session) -> int:
    return session.scalar(select(func.max(Change.id))) or 0


def build_index(session: Session) -> AgreementIndex:
    """The index of every agreement as `session` sees them, current to the feed position
    read first (a change committed while the rows are read is applied again later, which
    re-reads the same row: no harm)."""
    position = feed_position(session)
    return AgreementIndex.from_rows(_all_rows(session), position)


def rows_for(session: Session, ids: Sequence[str]) -> list[AgreementRow]:
    """The current rows of these agreements (absent ones are simply missing)."""
    where = Agreement.id.in_(ids)
    agreements = session.execute(select(*COLUMNS).where(where).order_by(Agreement.id)).all()
    links = {
        name: _grouped(
            session.execute(select(owner, value).where(owner.in_(ids)).order_by(owner, value)).all()
        )
        for name, owner, value in LINKS
    }
    return [
        AgreementRow(*a, **{name: found.get(a.id, ()) for name, found in links.items()})
        for a in agreements
    ]


def _grouped(pairs: Iterable[Any]) -> dict[str, list[str]]:
    return {key: [v for _, v in group] for key, group in groupby(pairs, key=lambda p: p[0])}


def _all_rows(session: Session) -> Iterator[AgreementRow]:
    """Every agreement with its links, in id order: the agreements and each link table are
    read in the same order and merged as they stream, so nothing is held but one batch."""
    links = {
        name: _stream(session, select(owner, value).order_by(owner, value))
        for name, owner, value in LINKS
    }
    pending: dict[str, Any] = {name: next(stream, None) for name, stream in links.items()}
    for a in _stream(session, select(*COLUMNS).order_by(Agreement.id)):
        found: dict[str, list[str]] = {}
        for name, stream in links.items():
            values: list[str] = []
            while pending[name] is not None and pending[name][0] == a.id:
                values.append(pending[name][1])
                pending[name] = next(stream, None)
            found[name] = values
        yield AgreementRow(*a, **found)


def _stream(session: Session, stmt: Select[Any]) -> Iterator[Any]:
    result = session.execute(stmt.execution_options(yield_per=BATCH))
    for partition in result.partitions():
        yield from partition

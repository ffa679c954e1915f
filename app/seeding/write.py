"""Write validated seeds: reference data upserted, curated records synced (app.seeding.plan),
the other seeded kinds made to match their files."""

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.kinds import storage
from app.kinds.checks import dotted
from app.kinds.declaration import Kind, Kinds
from app.kinds.record_to_row import cited, to_row
from app.kinds.registry import KINDS
from app.models import Citation
from app.seeding.load import SeedData
from app.seeding.plan import Conflict, Prefer, Report, SeedSync


def write_seeds(
    session: Session,
    data: SeedData,
    prefer: Prefer | None = None,
    progress: Callable[[int, int | None], None] | None = None,
    kinds: Kinds = KINDS,
) -> Report:
    """Bring the seeds into the database without undoing any API write (see app.seeding.plan).

    The caller owns the transaction. Kinds not editable over the API (countries, relation
    milestones, standing bodies, discrepancies) have the seed files as their only writer, so
    they are made to match the files (upserted, and rows the files dropped deleted), without
    audit entries. `progress(records synced, records in the files)` follows the curated
    records, a kind at a time.
    """
    curated = [
        (kind, kind.seed_order(records) if kind.seed_order else records)
        for kind in kinds.writable
        if (records := data.records.get(kind.name)) is not None
    ]
    total, done = sum(len(records) for _, records in curated), 0
    references = [k for k in kinds if k.reference_data is not None and k.name in data.reference]
    for kind in references:
        rows = kind.reference_data.rows(data.reference[kind.name])  # type: ignore[union-attr]
        _upsert(session, [_without_self_links(row) for row in rows])
        _upsert(session, rows)

    sync = SeedSync(session, prefer, kinds)
    for kind, records in curated:
        sync.upsert_all(kind, records)
        done += len(records)
        if progress:
            progress(done, total)
    for kind in references:
        storage.replace_citations(
            session,
            kind.reference_data.citations(data.reference[kind.name]),  # type: ignore[union-attr]
        )
    for kind in kinds:
        if not kind.writable and kind.reference_data is None and kind.name in data.records:
            _match_the_file(session, kind, data.records[kind.name], sync.report, kinds)
    sync.remove_missing()
    session.flush()
    return sync.report


def _match_the_file(
    session: Session, kind: Kind, records: list[Any], report: Report, kinds: Kinds
) -> None:
    """The kind's rows exactly as in its file. A record naming one that is gone (deleted over
    the API) is left out and reported as a conflict."""
    kept = []
    for record in records:
        problems = storage.check(session, kind, record, kinds)
        if problems:
            report.conflicts.append(
                Conflict(
                    kind.name,
                    record.id,
                    tuple(dotted(loc) for loc, _ in problems),
                    "cannot apply the seeds' version: " + "; ".join(m for _, m in problems),
                )
            )
        else:
            kept.append(record)
    _delete_others(session, kind, {r.id for r in kept})
    names, texts = storage.names_of(session, kinds), storage.text_of(session)
    _upsert(session, [to_row(kind, r, names, texts, kinds) for r in kept])
    storage.replace_citations(session, [c for r in kept for c in cited(kind, r, kinds)])


def _delete_others(session: Session, kind: Kind, keep: set[str]) -> None:
    """Delete the rows (and their citations) whose ids are not in `keep`."""
    model: Any = kind.model
    gone = [i for i in session.scalars(select(model.id)) if i not in keep]
    if not gone:
        return
    if kind.citable:
        session.execute(
            delete(Citation).where(Citation.record_type == kind.name, Citation.record_id.in_(gone))
        )
    for row in session.scalars(select(model).where(model.id.in_(gone))):
        session.delete(row)
    session.flush()


def _upsert(session: Session, objects: Sequence[Any]) -> None:
    """Merge by primary key, loading the existing rows in one query first."""
    if not objects:
        return
    model = type(objects[0])
    ids = [obj.id for obj in objects]
    for chunk in range(0, len(ids), 500):
        session.scalars(select(model).where(model.id.in_(ids[chunk : chunk + 500]))).all()
    for obj in objects:
        session.merge(obj)
    session.flush()


def _without_self_links(row: Any) -> Any:
    """A copy without references to rows of its own table, so every row exists before any
    such link points at it (a historical country's successor)."""
    table = type(row).__table__
    own = {fk.parent.key for fk in table.foreign_keys if fk.column.table is table}
    columns = {c.key: getattr(row, c.key) for c in table.columns}
    return type(row)(**{**columns, **dict.fromkeys(own)})

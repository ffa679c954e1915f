"""Seeding next to API writes: each curated record decided by a three-way comparison.

For every record the seed files hold, or seeding once wrote, three versions are compared
in the API's record shape (what `GET` and the audit log show):

- *seeds*: the record in the seed files now;
- *stored*: the record in the database now (absent if deleted);
- *base*: what seeding last wrote (`seed_state`), i.e. the stored record as seeding left it.

Stored equal to base means nobody changed it over the API since, so a changed seed entry
is applied. Seeds equal to base means only the API changed it, and the API's version
stands. Both changed (and different) is a conflict: the API's version stands unless the
caller prefers the seeds. A record deleted over the API stays deleted. A record removed
from the seed files is deleted if the API never changed it.

Every write is logged through `app.curation.service.log` with actor `seed`, except on the
first load of a database (no `seed_state` and no audit entry yet): that load is the feed's
starting point, the state a freshly seeded database is in, so `/changes` replayed onto a
freshly seeded database gives what is stored.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.curation import service
from app.kinds import storage
from app.kinds.declaration import Children, Kind, Kinds, marker
from app.kinds.registry import KINDS
from app.kinds.row_rules import canonical_hash
from app.models import Change, SeedState

ACTOR = "seed"
Prefer = Literal["seeds", "api"]
Record = dict[str, Any]


@dataclass(frozen=True)
class Conflict:
    record_type: str
    record_id: str
    fields: tuple[str, ...]
    reason: str

    def __str__(self) -> str:
        where = ", ".join(self.fields) if self.fields else "-"
        return f"{self.record_type} {self.record_id}: {where}: {self.reason}"


@dataclass
class Report:
    """What seeding did (or, in a dry run, would do), record by record."""

    first_load: bool = False
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    """Changed over the API only: the API's version stands."""
    skipped_deleted: list[str] = field(default_factory=list)
    """Deleted over the API: stays deleted."""
    conflicts: list[Conflict] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)
    """Conflicts settled by `prefer`."""

    def lines(self) -> list[str]:
        counts = (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.deleted)} deleted, {len(self.unchanged)} unchanged, "
            f"{len(self.kept)} kept as changed over the API, "
            f"{len(self.skipped_deleted)} skipped as deleted over the API, "
            f"{len(self.conflicts)} conflict(s)"
        )
        return [
            counts + (" (first load: not in the audit log)" if self.first_load else ""),
            *(f"create {r}" for r in self.created),
            *(f"update {r}" for r in self.updated),
            *(f"delete {r}" for r in self.deleted),
            *(f"keep {r}: changed over the API" for r in self.kept),
            *(f"skip {r}: deleted over the API" for r in self.skipped_deleted),
            *(f"resolved {r}" for r in self.resolved),
            *(f"conflict {c}" for c in self.conflicts),
        ]


@dataclass(frozen=True)
class _Versions:
    kind: Kind
    record_id: str
    seeds: BaseModel | None
    stored: BaseModel | None
    base: Record | None

    @property
    def label(self) -> str:
        return f"{self.kind.name} {self.record_id}"


def canonical(kind: Kind, record: Record | None) -> Record | None:
    """The record for comparing: a list stored as a set (an agreement's parties, events and
    sectors: `Children` without a position) comes back in the database's own order, so it
    is sorted here (values each once, items by their `key`)."""
    if record is None or kind.shape is None:
        return record
    out = dict(record)
    for name in kind.shape.model_fields:
        children = marker(kind.shape, name, Children)
        if children is None or children.position is not None or name not in out:
            continue
        if children.key:
            out[name] = sorted(out[name], key=lambda item, k=children.key: set_key(item, k))
        else:
            out[name] = sorted(set(out[name]))
    return out


def set_key(item: dict[str, Any], key: tuple[str, ...]) -> tuple[str, ...]:
    """Where an item of a set goes: its key fields, a missing one first."""
    return tuple(item[k] or "" for k in key)


def _json(kind: Kind, model: BaseModel | None) -> Record | None:
    return None if model is None else canonical(kind, model.model_dump(mode="json"))


def changed_fields(old: Record | None, new: Record | None) -> list[str]:
    """Top-level keys whose values differ (every key of either side if one is absent)."""
    old, new = old or {}, new or {}
    return [k for k in dict.fromkeys([*old, *new]) if old.get(k) != new.get(k)]


class SeedSync:
    """One seeding pass in the caller's transaction: `upsert` each record in dependency
    order, then `remove_missing` in reverse order."""

    def __init__(
        self, session: Session, prefer: Prefer | None = None, kinds: Kinds = KINDS
    ) -> None:
        self.session = session
        self.prefer = prefer
        self.kinds = kinds
        self.report = Report(
            first_load=session.scalar(select(SeedState.record_id).limit(1)) is None
            and session.scalar(select(Change.id).limit(1)) is None
        )
        self._pending_deletes: list[tuple[Kind, str]] = []

    # ------------------------------------------------------------------ reading
    def _lock(self, kind: Kind, record_id: str) -> None:
        """Hold the row until commit (PostgreSQL) so an API write cannot slip in between the
        comparison and the write. SQLite: the caller's transaction began IMMEDIATE."""
        model = kind.model
        self.session.execute(select(model.id).where(model.id == record_id).with_for_update())  # type: ignore[attr-defined]

    def _base(self, kind: Kind, record_id: str, stored: Record | None) -> Record | None:
        """What seeding last wrote. A database seeded before `seed_state` existed has no row:
        then the first audited change's `before` is what seeding had written, and a record
        never changed over the API is as seeding left it."""
        state = self.session.get(SeedState, (kind.name, record_id))
        if state is not None:
            return state.record
        first = self.session.scalars(
            select(Change)
            .where(Change.record_type == kind.name, Change.record_id == record_id)
            .order_by(Change.id)
            .limit(1)
        ).first()
        return canonical(kind, first.before) if first is not None else stored

    def _versions(self, kind: Kind, record_id: str, seeds: BaseModel | None) -> _Versions:
        self._lock(kind, record_id)
        stored = storage.read(self.session, kind, record_id)
        return _Versions(
            kind, record_id, seeds, stored, self._base(kind, record_id, _json(kind, stored))
        )

    # ------------------------------------------------------------------ state
    def _remember(self, kind: Kind, record: Record) -> None:
        sha256 = canonical_hash(record)
        state = self.session.get(SeedState, (kind.name, record["id"]))
        if state is not None and state.sha256 == sha256:
            return
        self.session.merge(
            SeedState(
                record_type=kind.name,
                record_id=record["id"],
                sha256=sha256,
                record=record,
            )
        )

    def _forget(self, kind: Kind, record_id: str) -> None:
        self.session.execute(
            delete(SeedState).where(
                SeedState.record_type == kind.name, SeedState.record_id == record_id
            )
        )

    # ------------------------------------------------------------------ writing
    def _log(self, action: str, v: _Versions, after: BaseModel | None) -> None:
        """An audit entry like the API's: the record as stored before and after."""
        if not self.report.first_load:
            service.log(self.session, ACTOR, action, v.kind.name, v.record_id, v.stored, after)

    def _write(self, v: _Versions) -> bool:
        """Write the seeds' version; False (and a conflict) if it no longer checks out, e.g.
        it names a record that was deleted over the API."""
        assert v.seeds is not None
        problems = storage.check(self.session, v.kind, v.seeds, self.kinds)
        if problems:
            self.report.conflicts.append(
                Conflict(
                    v.kind.name,
                    v.record_id,
                    tuple(f for f, _ in problems),
                    "cannot apply the seeds' version: " + "; ".join(m for _, m in problems),
                )
            )
            return False
        storage.write(self.session, v.kind, v.seeds, self.kinds)
        self.session.flush()
        written = storage.read(self.session, v.kind, v.record_id)
        self._log("update" if v.stored is not None else "create", v, written)
        self._remember(v.kind, _json(v.kind, written))  # type: ignore[arg-type]
        if v.stored is None:
            self.report.created.append(v.label)
        else:
            fields = changed_fields(_json(v.kind, v.stored), _json(v.kind, written))
            self.report.updated.append(f"{v.label}: {', '.join(fields)}")
        return True

    def _conflict(
        self,
        v: _Versions,
        fields: Iterable[str],
        reason: str,
        take_seeds: Callable[[], bool],
        keep_api: Callable[[], None],
    ) -> None:
        """Both sides changed the record: the API's version stands unless told otherwise."""
        fields = tuple(fields)
        if self.prefer == "seeds":
            if take_seeds():
                self.report.resolved.append(f"{v.label}: {', '.join(fields)}: seeds preferred")
        elif self.prefer == "api":
            keep_api()
            self.report.resolved.append(f"{v.label}: {', '.join(fields)}: API preferred")
        else:
            self.report.conflicts.append(Conflict(v.kind.name, v.record_id, fields, reason))

    def _seeds_or_api(self, v: _Versions, fields: Iterable[str], reason: str) -> None:
        self._conflict(
            v,
            fields,
            reason,
            lambda: self._write(v),
            lambda: self._remember(v.kind, _json(v.kind, v.seeds)),  # type: ignore[arg-type]
        )

    def upsert(self, kind: Kind, seeds: BaseModel) -> None:
        """Decide and apply one record of the seed files."""
        v = self._versions(kind, seeds.id, seeds)  # type: ignore[attr-defined]
        new, now, base = _json(kind, seeds), _json(kind, v.stored), v.base
        if new == now:
            self._remember(kind, new)  # type: ignore[arg-type]
            self.report.unchanged.append(v.label)
        elif now is None and base is None:
            self._write(v)
        elif now is None:
            if new == base:
                self.report.skipped_deleted.append(v.label)
            else:
                self._seeds_or_api(
                    v,
                    changed_fields(base, new),
                    "deleted over the API, changed in the seeds; it stays deleted",
                )
        elif now == base:
            self._write(v)
        elif new == base:
            self.report.kept.append(v.label)
        else:
            seeds_changed = changed_fields(base, new)
            self._seeds_or_api(
                v,
                [f for f in seeds_changed if now.get(f) != new.get(f)] or seeds_changed,
                "changed in the seeds and over the API; the API's version stands",
            )

    def upsert_all(self, kind: Kind, records: Iterable[BaseModel]) -> None:
        """Each record in order; ids seeding wrote before but the files no longer hold are
        kept for `remove_missing`."""
        seen = set()
        for record in records:
            self.upsert(kind, record)
            seen.add(record.id)  # type: ignore[attr-defined]
        remembered = self.session.scalars(
            select(SeedState.record_id).where(SeedState.record_type == kind.name)
        )
        self._pending_deletes.extend(
            (kind, record_id) for record_id in sorted(set(remembered) - seen)
        )

    def remove_missing(self) -> None:
        """Delete what the seed files dropped, dependents first (the reverse of upsert order),
        unless it was changed over the API since seeding wrote it."""
        for kind, record_id in reversed(self._pending_deletes):
            self._remove(self._versions(kind, record_id, None))

    def _remove(self, v: _Versions) -> None:
        if v.stored is None:
            self._forget(v.kind, v.record_id)
        elif _json(v.kind, v.stored) != v.base:
            self._conflict(
                v,
                changed_fields(v.base, _json(v.kind, v.stored)),
                "removed from the seeds, changed over the API; it stays",
                lambda: self._delete(v),
                lambda: self._forget(v.kind, v.record_id),
            )
        else:
            self._delete(v)

    def _delete(self, v: _Versions) -> bool:
        reason = storage.blocker(self.session, v.kind, v.record_id, self.kinds)
        if reason:
            self.report.conflicts.append(
                Conflict(v.kind.name, v.record_id, (), f"removed from the seeds, but {reason}")
            )
            return False
        storage.remove(self.session, v.kind, v.record_id, self.kinds)
        self.session.flush()
        self._log("delete", v, None)
        self._forget(v.kind, v.record_id)
        self.report.deleted.append(v.label)
        return True

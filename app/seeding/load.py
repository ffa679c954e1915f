"""Parse and validate every seed file; return the records or raise SeedErrors naming each
problem. Which files there are, and what each holds, follows from the kinds' declarations."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from app.kinds import checks
from app.kinds.declaration import Children, Kind, Kinds, is_tree, marker
from app.kinds.registry import KINDS
from app.seeding.errors import SeedError, SeedErrors

R = TypeVar("R", bound=BaseModel)


@dataclass
class SeedData:
    records: dict[str, list[Any]] = field(default_factory=dict)
    """Each kind's records, by kind name, in the files' order."""
    reference: dict[str, Any] = field(default_factory=dict)
    """What a kind made from reference data holds in its file (countries.yaml), by kind."""


class _Collector:
    """Reads the seed files, collecting every problem (see `SeedReader`)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.errors: list[SeedError] = []

    def problem(self, file: str, record: str, field: str, message: str) -> None:
        self.errors.append(SeedError(file, record, field, message))

    def read_yaml(self, name: str, default: Any) -> Any:
        path = self.directory / name
        if not path.exists():
            return default
        try:
            return yaml.safe_load(path.read_text(encoding="utf-8")) or default
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            self.problem(name, "-", "-", f"not valid YAML: {exc}")
            return default

    def parse(self, name: str, model: type[R], raw: Any, record: str = "-") -> R | None:
        try:
            return model.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                self.problem(name, record, checks.bracketed(err["loc"]), err["msg"])
            return None

    def document(self, file: str, shape: type[R]) -> R | None:
        return self.parse(file, shape, self.read_yaml(file, {}))

    def records(self, file: str, shape: type[R]) -> list[R]:
        raw = self.read_yaml(file, [])
        if not isinstance(raw, list):
            self.problem(file, "-", "-", "expected a list of records")
            return []
        records: list[R] = []
        seen: set[str] = set()
        for index, item in enumerate(raw):
            label = (
                str(item.get("id")) if isinstance(item, dict) and item.get("id") else f"#{index}"
            )
            parsed = self.parse(file, shape, item, label)
            if parsed is None:
                continue
            if label in seen:
                self.problem(file, label, "id", "duplicate id")
            seen.add(label)
            records.append(parsed)
        return records


def load_seeds(seeds_dir: Path, kinds: Kinds = KINDS) -> SeedData:
    """Read `seeds_dir`; every problem is collected and raised together as SeedErrors."""
    reader = _Collector(seeds_dir)
    data = SeedData()
    for kind in _seeded(kinds):
        assert kind.seed_file is not None
        if kind.reference_data is not None:
            data.reference[kind.name] = kind.reference_data.read(reader)
        elif kind.read_seeds is not None:
            data.records[kind.name] = kind.read_seeds(reader)
        else:
            assert kind.shape is not None
            data.records[kind.name] = reader.records(kind.seed_file.name, kind.shape)
    _check_references(reader, data, kinds)
    if reader.errors:
        raise SeedErrors(reader.errors)
    return data


def _seeded(kinds: Kinds) -> list[Kind]:
    """The kinds with a seed file of their own."""
    return [k for k in kinds if k.seed_file is not None and k.parent is None]


def _check_references(reader: _Collector, data: SeedData, kinds: Kinds) -> None:
    """Every id a record mentions must exist, and every quote must be verbatim."""
    known = checks.InMemory(
        ids=_ids(data, kinds),
        texts={s.id: s.text for s in data.records.get(checks.QUOTED_KIND, [])},
        parents={
            kind.name: {r.id: r.parent for r in data.records.get(kind.name, [])}
            for kind in kinds
            if is_tree(kind)
        },
        kinds=kinds,
    )
    for kind in _seeded(kinds):
        file = kind.seed_file.name  # type: ignore[union-attr]
        if kind.reference_data is not None:
            found = kind.reference_data.check(
                data.reference[kind.name], lambda value, loc: checks.problems_of(known, value, loc)
            )
            for record_id, (loc, message) in found:
                reader.problem(file, record_id, checks.bracketed(loc), message)
            continue
        for record in data.records.get(kind.name, []):
            for loc, message in checks.check(known, kind, record):
                reader.problem(file, record.id, checks.bracketed(loc), message)


def _ids(data: SeedData, kinds: Kinds) -> dict[str, set[str]]:
    ids: dict[str, set[str]] = {}
    for kind in kinds:
        if kind.reference_data is not None and kind.name in data.reference:
            ids[kind.name] = kind.reference_data.ids(data.reference[kind.name])
        elif kind.parent is not None and kind.record_id is not None:
            parents = data.records.get(kind.parent, [])
            ids[kind.name] = {
                kind.record_id(item, parent.id)
                for parent in parents
                for item in _held(parent, kind.name)
            }
        else:
            ids[kind.name] = {r.id for r in data.records.get(kind.name, [])}
    return ids


def _held(parent: BaseModel, child_kind: str) -> list[Any]:
    """The records of `child_kind` a parent record holds (an agreement's events)."""
    for name in type(parent).model_fields:
        children = marker(type(parent), name, Children)
        if children is not None and children.kind == child_kind:
            return list(getattr(parent, name))
    return []

"""How a record kind is declared: markers beside its shape's fields, and a `Kind`.

A field says what it is beyond its type with markers in its `Annotated` type:

    guest: Annotated[RecordId | None, Column("guest_id"), Ref("signatory"), Sourced()] = None

is stored in the column `guest_id`, holds the id of a signatory (which must exist), and
states a fact (a citation naming `guest`, or a provenance entry, must say how it is known).
A field without `Column` is stored in the column of its own name; a field whose type is a
shape of its own (a discrepancy's `record`) is stored flat in the record's row, each of its
fields by its own markers; a list marked `Children` in rows of a child table.
"""

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import UnionType
from typing import Any, Protocol, TypeVar, Union, get_args, get_origin

from pydantic import BaseModel

M = TypeVar("M")
R = TypeVar("R", bound=BaseModel)
Record = Any
"""A record of some kind: an instance of its shape."""
Loc = tuple[str | int, ...]
Problem = tuple[Loc, str]
"""What is wrong, and where: a path such as `("citations", 0, "quote")`."""


@dataclass(frozen=True)
class Column:
    """The column the field is stored in, where it is not the field's own name."""

    name: str


@dataclass(frozen=True)
class Columns:
    """A list of a fixed length, stored one item per column (a relation's two countries)."""

    names: tuple[str, ...]


@dataclass(frozen=True)
class Ref:
    """The field's value, or each item of a list, is the id of a record of kind `kind`."""

    kind: str


@dataclass(frozen=True)
class Anchored:
    """The quote is stored with where it stands in the text of the source that the field
    `source` of its record names: the anchor columns of `app.kinds.quotes` beside its own,
    computed whenever it is written, anchored again when that text is rewritten, and checked
    on import. (Citations, stored apart from the records they support, are anchored the
    same way by `app.kinds.storage.replace_citations`.)"""

    source: str = "source"


@dataclass(frozen=True)
class Sourced:
    """The field states a fact: a citation naming it (its `field`), or a provenance entry,
    must say how it is known. An item of a list that carries its own `inferred_reason` is
    inferred, and needs neither. The API lists it in the record's schema as one of its
    `x-provenance-fields`, and answers its `provenance` entry (`app.kinds.facts`)."""


@dataclass(frozen=True)
class Shown:
    """The JSON key that shows the field in the API's records, where that is neither its
    column's name nor its own: an agreement's `parties` are its rows' `party_codes`. A
    record's schema shows the field under the first of this key, its column's name and its
    own name that it has (`app.kinds.facts.json_keys`)."""

    key: str


@dataclass(frozen=True)
class Children:
    """The list is stored as rows of a child table, through the model's relationship
    `relationship`: each item one row, its fields mapped as a record's are, or with `value`,
    the child column that holds each plain value. `position` names the child column that
    keeps the list's order; without it the list is a set, stored once per value and compared
    in sorted order. `kind` names the kind of items that are records of their own (an
    agreement's events, which citations and discrepancies point at). `key` names the fields
    that tell items apart: no two items may share them, and a set is sorted by them."""

    relationship: str
    value: str | None = None
    position: str | None = None
    kind: str | None = None
    key: tuple[str, ...] = ()


@dataclass(frozen=True)
class SeedFile:
    """Where a kind's records are curated: a YAML list in `seeds/<name>`."""

    name: str
    keys: tuple[str, ...]
    """Each record's keys in the file's order (what `seeds dump` writes)."""
    inline: tuple[str, ...] = ()
    """Keys whose items are written one per line (`{signatory: to-lam, role: witness}`)."""


class SeedReader(Protocol):
    """What a kind that reads its own seed file (`Kind.read_seeds`) is given."""

    directory: Path

    def records(self, file: str, shape: type[R]) -> list[R]:
        """The file's list of records, each parsed as `shape` (problems are collected)."""
        ...

    def document(self, file: str, shape: type[R]) -> R | None:
        """The file as one `shape` (None if it is not valid: problems are collected)."""
        ...

    def problem(self, file: str, record: str, field: str, message: str) -> None: ...


class Known(Protocol):
    """What a kind's own rules may ask of what exists (see `app.kinds.checks.Known`)."""

    def quotes_of(self, source_id: str) -> list[str]:
        """The quotes already stored that cite the source."""
        ...


class Rules(Protocol):
    """What a kind's own rules (`Kind.rules`) are given: the checker (`app.kinds.checks`)."""

    known: Known

    def add(self, loc: Loc, message: str) -> None: ...

    def acyclic(self, kind: "Kind", record_id: str, parent: str | None, loc: Loc) -> None:
        """Following parents from `parent` never comes back to the record."""
        ...

    def any_record(self, loc: Loc, record_type: str, record_id: str) -> None:
        """A record of any citable kind, named by its type and id."""
        ...


class ReferenceData(Protocol):
    """How a kind made from reference data beside its seed file is seeded (countries: ISO 3166
    through pycountry, and `countries.yaml`): read, checked and written as a whole."""

    def read(self, reader: SeedReader) -> Any: ...

    def ids(self, data: Any) -> set[str]:
        """Every id the data holds."""
        ...

    def check(
        self, data: Any, check: Callable[[BaseModel, Loc], list[Problem]]
    ) -> list[tuple[str, Problem]]:
        """(record id, problem) for each problem, `check` being the record checker."""
        ...

    def rows(self, data: Any) -> list[Any]:
        """The ORM rows."""
        ...

    def citations(self, data: Any) -> list[tuple[str, str, list[Any]]]:
        """(record type, record id, citations) of the records that cite."""
        ...


@dataclass(frozen=True)
class Kind:
    """One kind of record, declared once: what everything else derives its handling from."""

    name: str
    """The record type: what citations, discrepancies, the audit log and `seed_state` say."""
    plural: str
    """The API's path segment and the list's name."""
    model: type
    """The ORM model: its table (and its children's) is what a dump holds of the kind."""
    shape: type[BaseModel] | None = None
    """The record as curated: seed file entries, write bodies and audit log entries."""
    seed_file: SeedFile | None = None
    writable: bool = False
    """Created, corrected and deleted over the API (the others only by seeding)."""
    citable: bool = False
    """Citations and discrepancies may point at its records."""
    names: tuple[str, ...] = ()
    """The fields that name one of its records: the search text of a record that refers to
    it holds them (a visit's, its guest's name and aliases)."""
    search: tuple[str, ...] = ()
    """The fields its search text is made of, in order (`signatories.signatory`: a field of
    each item; a `Ref` field: the names of the record it refers to)."""
    csv_columns: tuple[str, ...] = ()
    """The columns of its list's CSV download."""
    filters: type[BaseModel] | None = None
    """Its list's filters and sort (the query model of `/<plural>` and its downloads)."""
    parent: str | None = None
    """The kind whose records hold this one's (an event's agreement)."""
    reference_data: ReferenceData | None = None
    """Made from reference data as a whole, not record by record (countries)."""
    seed_order: Callable[[list[Record]], list[Record]] | None = None
    """The order seeding writes the records in, where they refer to each other."""
    read_seeds: Callable[[SeedReader], list[Record]] | None = None
    """Reads the seed file itself (sources: each text from its file)."""
    seed_entry: Callable[[dict[str, Any]], tuple[dict[str, Any], dict[str, str]]] | None = None
    """A record (as JSON) as its seed file lists it, and the files beside it by path (a
    source's text): what `seeds dump` writes, where that is not the record itself."""
    rules: Callable[[Rules, Record], None] | None = None
    """Rules beyond references and verbatim quotes (a sector tree without cycles)."""
    facts: tuple[str, ...] = ()
    """Fields that state a fact beyond those its shape marks `Sourced` (a kind with no shape,
    countries, names them all here)."""
    computed_provenance: Callable[[Record], dict[str, dict[str, str]]] | None = None
    """Provenance entries that follow from other fields (an agreement's inferred parties)."""
    derived_columns: Callable[[Record], dict[str, Any]] | None = None
    """Columns computed from the record at write time (a source's SHA-256)."""
    record_id: Callable[[Record, str], str] | None = None
    """The id of a record held by a parent, from it and the parent's id (events)."""
    row_rules: dict[str, Any] = field(default_factory=dict)
    """What a dump's row must hold in the columns its shape says nothing of."""
    row_problems: Callable[[dict[str, Any]], list[tuple[str, str]]] | None = None
    """Columns of a dump's row that do not follow from the others (column, message)."""

    @property
    def table(self) -> str:
        return self.model.__tablename__  # type: ignore[attr-defined,no-any-return]


class Kinds:
    """The kinds of a database, in the order their references need (what a record refers to
    is written first, deleted last)."""

    def __init__(self, kinds: Sequence[Kind]) -> None:
        self.all = tuple(kinds)
        self._by_name = {k.name: k for k in self.all}
        self._by_plural = {k.plural: k for k in self.all}
        if len(self._by_name) != len(self.all) or len(self._by_plural) != len(self.all):
            raise ValueError("two kinds share a name or a plural")

    def __iter__(self) -> Iterator[Kind]:
        return iter(self.all)

    def __getitem__(self, name: str) -> Kind:
        return self._by_name[name]

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def plural(self, plural: str) -> Kind:
        return self._by_plural[plural]

    @property
    def writable(self) -> list[Kind]:
        return [k for k in self.all if k.writable]

    @property
    def citable(self) -> list[str]:
        """The record types citations and discrepancies may name."""
        return [k.name for k in self.all if k.citable]

    def with_kinds(self, *more: Kind) -> "Kinds":
        return Kinds([*self.all, *more])


# -- reading the markers ----------------------------------------------------------------------


def marker(shape: type[BaseModel], name: str, kind: type[M]) -> M | None:
    """The field's marker of type `kind`, if it has one."""
    return next((m for m in shape.model_fields[name].metadata if isinstance(m, kind)), None)


def column_of(shape: type[BaseModel], name: str) -> str:
    found = marker(shape, name, Column)
    return found.name if found else name


def item_type(shape: type[BaseModel], name: str) -> Any:
    """The field's type, or its items' for a list, without `None`."""
    annotation = _without_none(shape.model_fields[name].annotation)
    if get_origin(annotation) is list:
        return _without_none(get_args(annotation)[0])
    return annotation


def nested_shape(shape: type[BaseModel], name: str) -> type[BaseModel] | None:
    """The shape of the field's value (or items), when it is a shape of its own."""
    found = item_type(shape, name)
    return found if isinstance(found, type) and issubclass(found, BaseModel) else None


def is_tree(kind: Kind) -> bool:
    """The kind's records have a `parent` of their own kind (sectors)."""
    if kind.shape is None or "parent" not in kind.shape.model_fields:
        return False
    ref = marker(kind.shape, "parent", Ref)
    return ref is not None and ref.kind == kind.name


@cache
def sourced_fields(shape: type[BaseModel]) -> tuple[str, ...]:
    """The fields of `shape` that state a fact (marked `Sourced`)."""
    return tuple(name for name in shape.model_fields if marker(shape, name, Sourced))


def _without_none(annotation: Any) -> Any:
    while get_origin(annotation) in (Union, UnionType):
        args = [a for a in get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            return annotation
        annotation = args[0]
    return annotation

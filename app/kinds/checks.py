"""The rules between records: every id a record names exists, every quote is verbatim in its
source, and each kind's own rules (`Kind.rules`: a sector tree without cycles).

All of it follows from the kinds' declarations: a field marked `Ref` names a record that must
exist, a shape with `source` and `quote` is a passage that must be in that source's text. One
checker for every way data comes in: seeding asks it about the records of the seed files
(`InMemory`: what the files hold), the write API about one record against the database
(`InDatabase`). A problem is (location, message); the location is a path such as
`("citations", 0, "quote")`, written `citations.0.quote` by the API and `citations[0].quote`
by seeding.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.kinds.declaration import (
    Kind,
    Kinds,
    Loc,
    Problem,
    Ref,
    column_of,
    marker,
    nested_shape,
)
from app.kinds.quotes import anchor
from app.kinds.registry import KINDS
from app.kinds.shapes import CitationIn, not_a_field
from app.models import Citation, DiscrepancyReading, Source

__all__ = ["Loc", "Problem"]

QUOTED_KIND = marker(CitationIn, "source", Ref).kind  # type: ignore[union-attr]
"""The kind of record quotes are passages of (sources): its records have a `text`."""


def dotted(loc: Loc) -> str:
    """`citations.0.quote`: how the API and Pydantic name a field."""
    return ".".join(str(part) for part in loc) or "-"


def bracketed(loc: Loc) -> str:
    """`citations[0].quote`: how seed file errors name a field."""
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else f".{part}" if out else str(part)
    return out or "-"


def is_quote(shape: type[BaseModel]) -> bool:
    """A passage of a source: a citation, a discrepancy's reading."""
    return {"source", "quote"} <= shape.model_fields.keys()


class Known(Protocol):
    """What exists: the ids of each kind of record, the sources' texts, the parents of a tree."""

    kinds: Kinds

    def has(self, kind: str, record_id: str) -> bool: ...

    def source_text(self, source_id: str) -> str | None: ...

    def hold_tree(self, kind: Kind) -> None:
        """Until the caller's transaction ends, no other can change a parent in the kind's
        tree (what `parent` answers stays true)."""
        ...

    def parent(self, kind: Kind, record_id: str) -> str | None: ...

    def quotes_of(self, source_id: str) -> list[str]:
        """The quotes already stored that cite the source."""
        ...


@dataclass
class InMemory:
    """What a set of records holds (the seed files, before anything is written)."""

    ids: Mapping[str, set[str]]
    texts: Mapping[str, str]
    parents: Mapping[str, Mapping[str, str | None]] = field(default_factory=dict)
    """Each tree's parent by id, by kind."""
    kinds: Kinds = KINDS

    def has(self, kind: str, record_id: str) -> bool:
        return record_id in self.ids.get(kind, ())

    def source_text(self, source_id: str) -> str | None:
        return self.texts.get(source_id)

    def hold_tree(self, kind: Kind) -> None:
        """Nothing to hold: the records in memory change only as the caller changes them."""

    def parent(self, kind: Kind, record_id: str) -> str | None:
        return self.parents.get(kind.name, {}).get(record_id)

    def quotes_of(self, source_id: str) -> list[str]:
        return []


@dataclass
class InDatabase:
    """What the database holds, seen through a session (rows it already loaded are reused)."""

    session: Session
    kinds: Kinds = KINDS
    texts: dict[str, str | None] = field(default_factory=dict)

    def has(self, kind: str, record_id: str) -> bool:
        return self.session.get(self.kinds[kind].model, record_id) is not None

    def source_text(self, source_id: str) -> str | None:
        if source_id not in self.texts:  # each source's text is read once per check
            self.texts[source_id] = self.session.scalar(
                select(Source.text).where(Source.id == source_id)
            )
        return self.texts[source_id]

    def hold_tree(self, kind: Kind) -> None:
        """PostgreSQL: a transaction-level advisory lock on the tree, which every check of a
        parent in it takes (SQLite writers already queue: their transactions begin IMMEDIATE).

        Unlocked, two concurrent changes (c put under b while a went under c, b being under
        a) each followed the parents as stored, found no cycle, and both were stored, in 13
        of 20 rounds. Share-locking each parent row followed would do too, but two such
        changes each hold the row the other follows (a PATCH locks its record first), so
        they deadlock, and PostgreSQL sees that only after `deadlock_timeout` (1 s): in the
        test's 50 rounds of them, 49 deadlocked (76 s); with this lock none did (19 s, on
        the same busy 2-core machine)."""
        if self.session.get_bind().dialect.name == "postgresql":
            self.session.execute(
                text("SELECT pg_advisory_xact_lock(hashtext(:tree))"),
                {"tree": f"treaty-api tree {kind.name}"},
            )

    def parent(self, kind: Kind, record_id: str) -> str | None:
        """The stored parent, read afresh (a row the session loaded before `hold_tree` may
        hold an older one)."""
        assert kind.shape is not None
        model: Any = kind.model
        parent = getattr(model, column_of(kind.shape, "parent"))
        return self.session.scalar(select(parent).where(model.id == record_id))

    def quotes_of(self, source_id: str) -> list[str]:
        return [
            *self.session.scalars(select(Citation.quote).where(Citation.source_id == source_id)),
            *self.session.scalars(
                select(DiscrepancyReading.quote).where(DiscrepancyReading.source_id == source_id)
            ),
        ]


class Checker:
    """Collects the problems of one or more records."""

    def __init__(self, known: Known) -> None:
        self.known = known
        self.problems: list[Problem] = []

    def add(self, loc: Loc, message: str) -> None:
        self.problems.append((loc, message))

    def ref(self, loc: Loc, kind: str, value: str | None) -> None:
        """`value`, when set, must be the id of an existing record of `kind`."""
        if value is not None and not self.known.has(kind, value):
            self.add(loc, f"unknown {kind} id {value!r}")

    def quote(self, loc: Loc, source: str, quote: str) -> None:
        """`quote` must be a passage of `source`; `loc` is the citation's (or reading's)."""
        text = self.known.source_text(source)
        if text is None:
            self.add((*loc, "source"), f"unknown source {source!r}")
        elif quote not in text:
            self.add((*loc, "quote"), f"not a verbatim quote of source {source!r}")

    def anchored(self, loc: Loc, text: str, stored: Mapping[str, Any]) -> None:
        """A stored citation's selector columns are where its quote stands in `text` (its
        first occurrence; see `app.kinds.quotes`)."""
        found = anchor(text, stored["quote"])
        assert found is not None, "check the quote first"
        for column, value in found.columns().items():
            if stored[column] != value:
                self.add(
                    (*loc, column), f"{stored[column]!r} is not where the quote stands ({value!r})"
                )

    def cited_field(self, loc: Loc, kinds: Kinds, record_type: str, field: str | None) -> None:
        """A citation of a record of `record_type` names one of its fields (or none). Kinds
        without a shape (countries, made from reference data) are checked as their seed
        file is read; an unknown record type is reported where the record is looked up."""
        shape = kinds[record_type].shape if record_type in kinds else None
        unknown = field and shape and not_a_field(shape, field)
        if unknown:
            self.add((*loc, "field"), unknown)

    def record(self, shape: type[BaseModel], value: BaseModel, loc: Loc = ()) -> None:
        """Every reference `value` makes exists, and every quote in it is verbatim, down
        through its nested shapes (an agreement's parties, events and their citations)."""
        quote = is_quote(shape)
        if quote:
            self.quote(loc, value.source, value.quote)  # type: ignore[attr-defined]
        for name in shape.model_fields:
            found = getattr(value, name)
            ref = None if quote and name == "source" else marker(shape, name, Ref)
            nested = nested_shape(shape, name)
            if ref is None and nested is None:
                continue
            items = enumerate(found) if isinstance(found, list) else [(None, found)]
            for i, item in items:
                at = (*loc, name) if i is None else (*loc, name, i)
                if ref is not None:
                    self.ref(at, ref.kind, item)
                if nested is not None and item is not None:
                    self.record(nested, item, at)

    def acyclic(self, kind: Kind, record_id: str, parent: str | None, loc: Loc) -> None:
        """Following parents from `parent` never comes back to the record."""
        if parent is not None:
            self.known.hold_tree(kind)
        seen = {record_id}
        while parent is not None and self.known.has(kind.name, parent):
            if parent in seen:
                self.add(loc, f"would make the {kind.name} tree a cycle")
                return
            seen.add(parent)
            parent = self.known.parent(kind, parent)

    def any_record(self, loc: Loc, record_type: str, record_id: str) -> None:
        """A record of any citable kind, named by its type and id."""
        if record_type not in self.known.kinds.citable:
            self.add((*loc, "type"), f"unknown record type {record_type!r}")
        else:
            self.ref((*loc, "id"), record_type, record_id)


def problems_of(known: Known, value: BaseModel, loc: Loc = ()) -> list[Problem]:
    """The references and quotes of one value (a record, or a part of one) checked."""
    checker = Checker(known)
    checker.record(type(value), value, loc)
    return checker.problems


def check(known: Known, kind: Kind, record: Any) -> list[Problem]:
    """Every rule between records that `record`, of `kind`, must follow."""
    checker = Checker(known)
    checker.record(type(record), record)
    if kind.rules is not None:
        kind.rules(checker, record)
    return checker.problems

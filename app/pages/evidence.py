"""How each value of a record is known, as a page shows it: the record's fields, each with
the quotes that state it (cited), the curators' reason (inferred) or the dataset it comes
from (reference), and what the sources disagree on, reading by reading.

Read from the detail the API answers (its `provenance` and `discrepancies`) and from the
record's citation rows, whose ids are the anchors of the passages on their source's page."""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.models import Citation
from app.schemas.common import citation_id


@dataclass(frozen=True)
class Item:
    """One value as a page shows it: text, where it links, and a note (a role, `inferred`)."""

    text: str
    href: str | None = None
    note: str | None = None


Shown = Callable[[Mapping[str, Any]], list[Item]]


@dataclass(frozen=True)
class Field:
    """A field of a record page: its JSON key (what its provenance entries are keyed by),
    its label, and how its value is read from the detail."""

    name: str
    label: str
    show: Shown


@dataclass
class Fact:
    label: str
    name: str
    items: list[Item]
    cited: list[Citation] = field(default_factory=list)
    inferred: list[tuple[str, str]] = field(default_factory=list)
    reference: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Evidence:
    facts: list[Fact]
    about: list[Citation]
    """Citations of the record as a whole (no field), or of a field the page does not list."""
    other: list[tuple[str, dict[str, Any]]]
    """Inferred and reference entries of fields the page does not list, by key (their cited
    ones' citations are in `about`)."""


def source_href(source_id: str, anchor: str | None = None) -> str:
    return f"/sources/{source_id}" + (f"#{anchor}" if anchor else "")


def evidence(
    detail: Mapping[str, Any], fields: Sequence[Field], citations: Sequence[Citation]
) -> Evidence:
    """The record's facts, each with how it is known, as the detail's `provenance` says: a
    field's entry and its members' (`party_codes[VDVN]`, `external_ids[wikidata]`) belong
    to it, a cited entry's ids name the record's citations."""
    provenance: dict[str, dict[str, Any]] = dict(detail.get("provenance") or {})
    by_id = {_id(c): c for c in citations}
    claimed: set[str] = set()
    facts = []
    for f in fields:
        fact = Fact(f.label, f.name, f.show(detail))
        for key in [k for k in provenance if _belongs(k, f.name)]:
            entry = provenance.pop(key)
            if entry["basis"] == "cited":
                ids = [i for i in entry["citations"] if i not in claimed]
                fact.cited += [by_id[i] for i in ids]
                claimed.update(ids)
            elif entry["basis"] == "reference":
                fact.reference.append((key, entry["dataset"]))
            else:
                fact.inferred.append((key, entry["reason"]))
        if fact.items or fact.cited or fact.inferred or fact.reference:
            facts.append(fact)
    about = [c for c in citations if _id(c) not in claimed]
    other = sorted((k, e) for k, e in provenance.items() if e["basis"] != "cited")
    return Evidence(facts, about, other)


def _belongs(key: str, name: str) -> bool:
    return key == name or key.startswith(name + "[")


def _id(citation: Citation) -> str:
    parts = (citation.record_type, citation.record_id, citation.field)
    return citation_id(*parts, citation.source_id, citation.quote)


# How values are read from a detail: the building blocks of each kind's fields.


def text(key: str) -> Shown:
    def show(detail: Mapping[str, Any]) -> list[Item]:
        value = detail.get(key)
        if value is None or value == "" or value == []:
            return []
        if isinstance(value, list):
            return [Item(str(v)) for v in value]
        if isinstance(value, bool):
            return [Item("yes" if value else "no")]
        return [Item(str(value))]

    return show


def mapping(key: str) -> Shown:
    """A map's entries as `key: value` (names by language, external ids)."""

    def show(detail: Mapping[str, Any]) -> list[Item]:
        return [Item(f"{k}: {v}") for k, v in (detail.get(key) or {}).items()]

    return show


def dated(detail: Mapping[str, Any]) -> list[Item]:
    if not detail.get("date"):
        return []
    note = "inferred" if detail.get("date_inferred") else None
    return [Item(detail["date"], note=note)]


def refs(key: str, path: str | None, inner: str | None = None) -> Shown:
    """One referenced record or a list of them, each linked to its page: `path` is its
    pages' path (`/countries`), or a callable's prefix for a filtered list
    (`/agreements?sector=`); `inner` names the record inside each item (a party's
    `country`)."""

    def show(detail: Mapping[str, Any]) -> list[Item]:
        value = detail.get(key)
        if value is None:
            return []
        found = []
        for item in value if isinstance(value, list) else [value]:
            record = item[inner] if inner else item
            found.append(
                Item(
                    record.get("title") or record.get("name") or record["id"],
                    link(path, record["id"]),
                    _note(item),
                )
            )
        return found

    return show


def ids(key: str, path: str) -> Shown:
    def show(detail: Mapping[str, Any]) -> list[Item]:
        value = detail.get(key) or []
        return [Item(i, link(path, i)) for i in (value if isinstance(value, list) else [value])]

    return show


def link(path: str | None, record_id: str) -> str | None:
    if path is None:
        return None
    return f"{path}{record_id}" if path.endswith("=") else f"{path}/{record_id}"


def _note(item: Mapping[str, Any]) -> str | None:
    """What a list item says beside the record it names: a signatory's role and side, a
    party inferred."""
    if "role" in item:
        return ", ".join(str(v) for v in (item["role"], item.get("side")) if v)
    if item.get("inferred"):
        return "inferred"
    return None

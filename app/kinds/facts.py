"""A record's `provenance` as the API answers it: one entry per fact, keyed by the JSON key
that shows it.

Which fields state a fact is the kind's declaration's to say (fields marked `Sourced`, a
record's `aliases` and `external_ids`, and `Kind.facts`); which JSON key shows each is the
response schema's (`json_keys`). An entry is

- `{"basis": "cited", "citations": [<citation ids>]}`: the citations whose `field` names
  it (an alias: those whose quote holds it);
- `{"basis": "inferred", "reason": ...}` or `{"basis": "reference", "dataset": ...}`: the
  stored entry (`app.kinds.provenance`), which a curator's label makes win over citations.

A member of a list or map is keyed `key[member]` (`party_codes[VDVN]`, `aliases[Viet Nam]`,
`external_ids[wikidata]`). Only keys the answer holds a value for have an entry, so a list
row tells what it shows and no more.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel

from app.kinds.declaration import Kind, Shown, column_of, marker, sourced_fields
from app.kinds.shapes import field_names
from app.schemas.common import citation_id

MEMBERED = ("aliases", "external_ids")
"""Fields each of whose members is known its own way: an alias cited by a quote that uses it
or taken from a reference dataset, an id from the dataset its key names."""

Entry = dict[str, Any]


def fact_fields(kind: Kind) -> tuple[str, ...]:
    """The fields of `kind`'s records that state a fact, by their names in its shape."""
    if kind.shape is None:
        return kind.facts
    fields = kind.shape.model_fields
    own = (*sourced_fields(kind.shape), *(name for name in MEMBERED if name in fields))
    return (*own, *(name for name in kind.facts if name not in own))


_KEYS: dict[tuple[str, type[BaseModel]], dict[str, str]] = {}


def json_keys(kind: Kind, schema: type[BaseModel]) -> dict[str, str]:
    """For each field a citation or a provenance entry of `kind` may name, the JSON key that
    shows it in `schema` (fields the schema does not show are left out): the field's `Shown`
    key, its column's name (`guest_country_id`) or its own, the first the schema has. A
    schema's `not_facts` are keys of its own (a timeline entry's `kind`), never a record's."""
    found = _KEYS.get((kind.name, schema))
    if found is None:
        names = field_names(kind.shape) if kind.shape else list(kind.facts)
        shown = set(schema.model_fields) - set(getattr(schema, "not_facts", ()))
        keys = ((name, _candidates(kind, name)) for name in names)
        found = {
            name: key
            for name, candidates in keys
            if (key := next((k for k in candidates if k in shown), None))
        }
        _KEYS[(kind.name, schema)] = found
    return found


def provenance_fields(kind: Kind, schema: type[BaseModel]) -> list[str]:
    """The JSON keys of `schema` that state a fact of `kind` (its `x-provenance-fields`)."""
    keys = json_keys(kind, schema)
    return [keys[name] for name in fact_fields(kind) if name in keys]


def provenance_of(
    kind: Kind,
    schema: type[BaseModel],
    item: Mapping[str, Any],
    stored: Mapping[str, Mapping[str, Any]] | None,
    citations: Iterable[Any],
) -> dict[str, Entry]:
    """The `provenance` of `item`, a record of `kind` shown as `schema`, from its stored
    entries (keyed by field, `parties.VDVN` for a member) and its citation rows."""
    keys = json_keys(kind, schema)
    entries: dict[str, Entry] = {}
    citations = list(citations)
    for c in citations:
        key = keys.get(c.field) if c.field else None
        if key is not None and _holds(item, key):
            entry = entries.setdefault(key, {"basis": "cited", "citations": []})
            entry["citations"].append(_id(c))
    aliases = keys.get("aliases")
    if aliases is not None and _holds(item, aliases):
        for alias in item[aliases]:
            ids = [_id(c) for c in citations if alias in c.quote]
            if ids:
                entries[f"{aliases}[{alias}]"] = {"basis": "cited", "citations": ids}
    for name, entry in (stored or {}).items():
        field, dot, member = name.partition(".")
        key = keys.get(field)
        if key is not None and _holds(item, key):
            entries[f"{key}[{member}]" if dot else key] = _stored(entry)
    order = {key: i for i, key in enumerate(schema.model_fields)}
    return dict(sorted(entries.items(), key=lambda e: (order[e[0].partition("[")[0]], e[0])))


def _candidates(kind: Kind, name: str) -> tuple[str, ...]:
    if kind.shape is None or name not in kind.shape.model_fields:
        return (f"{name}_id", name)
    shown = marker(kind.shape, name, Shown)
    return (*((shown.key,) if shown else ()), column_of(kind.shape, name), name)


def _holds(item: Mapping[str, Any], key: str) -> bool:
    return item.get(key) not in (None, "", [], {})


def _stored(entry: Mapping[str, Any]) -> Entry:
    if entry["basis"] == "inferred":
        return {"basis": "inferred", "reason": entry["reason"]}
    return {"basis": "reference", "dataset": entry["dataset"]}


def _id(citation: Any) -> str:
    return citation_id(
        citation.record_type, citation.record_id, citation.field, citation.source_id, citation.quote
    )

"""A record's stored `provenance`: how each value no citation states is known."""

from collections.abc import Mapping
from typing import Any

from app.kinds.shapes import COMPUTED_PROVENANCE, Dated

ISO_3166_1 = "ISO 3166-1 (pycountry)"
ISO_3166_3 = "ISO 3166-3 (pycountry)"
ISO_NAMES = "ISO 3166 names in other languages (pycountry's iso-codes translations)"
EXTERNAL_ID_DATASETS = {"wikidata": "Wikidata (QID supplied by the curators, never fetched)"}

Entries = dict[str, dict[str, str]]


def inferred(reason: str) -> dict[str, str]:
    return {"basis": "inferred", "reason": reason}


def reference(dataset: str) -> dict[str, str]:
    return {"basis": "reference", "dataset": dataset}


def stored_provenance(
    record: Any | None, external_ids: Mapping[str, str], computed: Entries | None = None
) -> Entries:
    """The stored map of a record: an inferred `date`, each external id as reference data,
    the record's own entries, then `computed` ones (an agreement's inferred parties, a
    country's ISO data)."""
    entries: Entries = {}
    if isinstance(record, Dated) and record.date_inferred and record.date_inferred_reason:
        entries["date"] = inferred(record.date_inferred_reason)
    for key in external_ids:
        dataset = EXTERNAL_ID_DATASETS.get(key, ISO_3166_1 if key.startswith("iso3166") else key)
        entries[f"external_ids.{key}"] = reference(dataset)
    if record is not None:
        entries |= {k: v.model_dump(exclude_none=True) for k, v in record.provenance.items()}
    return entries | (computed or {})


def own_provenance(stored: Entries) -> Entries:
    """The entries a record states itself (not those computed from its other fields)."""
    return {k: v for k, v in stored.items() if not k.startswith(COMPUTED_PROVENANCE)}

"""A record's stored `provenance`: how each value no citation states is known."""

from collections.abc import Mapping
from typing import Any, Literal

from app.kinds.fields import Line
from app.kinds.shapes import COMPUTED_PROVENANCE, Dated

ISO_3166_1 = "ISO 3166-1 (pycountry)"
ISO_3166_3 = "ISO 3166-3 (pycountry)"
ISO_NAMES = "ISO 3166 names in other languages (pycountry's iso-codes translations)"
CURATED_ID_DATASETS = {"wikidata": "Wikidata (QID supplied by the curators, never fetched)"}
"""The ids curators may give a record in `external_ids` (seed files, writes), by key, with
the dataset each is labelled with."""
ISO_ID_DATASETS = {
    "iso3166_alpha2": ISO_3166_1,
    "iso3166_alpha3": ISO_3166_1,
    "iso3166_numeric": ISO_3166_1,
    "iso3166_3_alpha4": ISO_3166_3,
}
"""The ISO 3166 codes every country's `external_ids` carries, taken from pycountry."""
EXTERNAL_ID_DATASETS = {**ISO_ID_DATASETS, **CURATED_ID_DATASETS}
"""Every key an `external_ids` map may hold: any other is refused, not labelled as a dataset."""

CuratedIds = dict[Literal[tuple(CURATED_ID_DATASETS)], Line(200)]  # type: ignore[misc]
"""`external_ids` as curators write them (the spec lists the keys)."""
ExternalIds = dict[Literal[tuple(EXTERNAL_ID_DATASETS)], Line(200)]  # type: ignore[misc]
"""`external_ids` as stored: the curated ids and, on a country, its ISO codes."""

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
        entries[f"external_ids.{key}"] = reference(EXTERNAL_ID_DATASETS[key])
    if record is not None:
        entries |= {k: v.model_dump(exclude_none=True) for k, v in record.provenance.items()}
    return entries | (computed or {})


def own_provenance(stored: Entries) -> Entries:
    """The entries a record states itself (not those computed from its other fields)."""
    return {k: v for k, v in stored.items() if not k.startswith(COMPUTED_PROVENANCE)}

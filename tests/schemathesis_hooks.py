"""What a schema cannot say, told to schemathesis (loaded through `schemathesis.toml`).

The spec gives every parameter's shape exactly (patterns, bounds, enums). Two kinds of value
are valid only against stored data, which no schema can express:

- a filter or body field naming a record (`country=AZ`, `sector=energy`, a citation's
  `source`) must name one that exists: the spec flags these with a `format` (`country-id`,
  `sector-id`, ...), and here each format draws from the seeded records;
- a `cursor` is issued by the server for one list and sort order, and a citation's `quote`
  must be a verbatim passage of its source: positive cases get real ones;
- every structured value a record states must be cited (a citation whose `field` names
  it) or labelled in `provenance`: positive cases cite each such value they set, and label
  their aliases as reference data.

Everything else schemathesis generates is sent as generated; negative cases are never touched.
"""

import base64
import hashlib
from typing import Any

import orjson
import schemathesis
from hypothesis import strategies as st

from app.dates import InvalidDate, parse_partial_date
from app.kinds.declaration import Children, marker, sourced_fields
from app.kinds.registry import KINDS

COUNTRIES = ["VN", "AZ", "vnm", "aze", "Az", "SUHH", "VDVN", "azerbaijan-ssr", "US"]
SECTORS = ["energy", "oil-and-gas", "justice", "defence"]
SIGNATORIES = ["petrovietnam", "to-lam"]
VISITS = ["state-visit-to-lam-azerbaijan-2025", "visit-ho-chi-minh-azerbaijan-1959"]
AGREEMENTS = ["unclos-1982", "mou-energy-vn-az-2025"]
SOURCE = "vns-baku-signing-ceremony-2025"
QUOTE = "signed a memorandum of understanding on cooperation in the energy sector"
CURSORS = {
    ("/api/v1/agreements", "date"): ["date", "2025-01-01", "mou-energy-vn-az-2025"],
    ("/api/v1/agreements", "-date"): ["-date", "2025-01-01", "mou-energy-vn-az-2025"],
    ("/api/v1/agreements", "title"): ["title", "Memorandum", "mou-energy-vn-az-2025"],
    ("/api/v1/agreements", "-title"): ["-title", "Memorandum", "mou-energy-vn-az-2025"],
    ("/api/v1/visits", "date"): ["date", "1959-01-01", "visit-ho-chi-minh-azerbaijan-1959"],
    ("/api/v1/visits", "-date"): ["-date", "2025-01-01", "state-visit-to-lam-azerbaijan-2025"],
    ("/api/v1/visits", "title"): ["title", "Official", "visit-ho-chi-minh-azerbaijan-1959"],
    ("/api/v1/visits", "-title"): ["-title", "Official", "visit-ho-chi-minh-azerbaijan-1959"],
    ("/api/v1/countries", None): ["name", "Viet Nam", "VN"],
    ("/api/v1/timeline", None): ["timeline", "1959-01-01", 1, "visit-ho-chi-minh-azerbaijan-1959"],
    ("/api/v1/signatories", None): ["name", "PetroVietnam", "petrovietnam"],
    ("/api/v1/sectors", None): ["id", "energy", "energy"],
    ("/api/v1/sources", None): ["id", SOURCE, SOURCE],
    ("/api/v1/sources/{source_id}/citations", None): ["position", 7, 4],
    ("/api/v1/bodies", None): ["name", "Việt Nam", "intergovernmental-committee-vn-az"],
    ("/api/v1/statements", "date"): ["date", "2025-01-01", "to-lam-confidence-2025"],
    ("/api/v1/statements", "-date"): ["-date", "2025-01-01", "to-lam-confidence-2025"],
    ("/api/v1/statements", "title"): ["title", "Tô Lâm", "to-lam-confidence-2025"],
    ("/api/v1/statements", "-title"): ["-title", "Tô Lâm", "to-lam-confidence-2025"],
}
CURSORS |= {  # a pair's visits are paged as the visits list is
    ("/api/v1/relations/{first}/{second}/visits", sort): cursor
    for (path, sort), cursor in CURSORS.items()
    if path == "/api/v1/visits"
}
"""Keyset cursors of the lists that sort by a value (a history's cursor is a change id, any
of which is valid)."""
REFERENCES = {
    "country": "VN",
    "side": "AZ",
    "guest_country": "VN",
    "host_country": "AZ",
    "place_country": "AZ",
    "part_of": "SUHH",
    "successor": "AZ",
    "signatory": "petrovietnam",
    "guest": "to-lam",
    "speaker": "to-lam",
    "visit": VISITS[0],
    "parent": "energy",
}

FORMATS = {
    "country-id": COUNTRIES,
    "sector-id": SECTORS,
    "signatory-id": SIGNATORIES,
    "visit-id": VISITS,
}
QUERY_REFERENCES = {
    "country": COUNTRIES,
    "host": COUNTRIES,
    "guest": COUNTRIES,
    "sector": SECTORS,
    "parent": SECTORS,
    "signatory": SIGNATORIES,
    "speaker": SIGNATORIES,
    "visit": VISITS,
}
"""The query parameters with a `*-id` format, for the boundary values of the coverage phase,
which draws strings of the pattern without the format's strategy."""
FUZZER_KEY = "schemathesis"
"""The name of the admin key the run authenticates with: revoking it would end the run."""

for name, values in FORMATS.items():
    schemathesis.openapi.format(name, st.sampled_from(values))


def _cursor(path: str, sort: str | None) -> str:
    payload = CURSORS.get((path, sort or "-date")) or CURSORS[(path, None)]
    return base64.urlsafe_b64encode(orjson.dumps(payload)).decode().rstrip("=")


SHAPES = [kind.shape for kind in KINDS if kind.shape is not None]
CITED_FIELDS = tuple(dict.fromkeys(name for shape in SHAPES for name in sourced_fields(shape)))
"""The fields whose values must be cited or labelled (marked `Sourced` in the kinds)."""

UNIQUE_BY = {
    **{
        name: children.key
        for shape in SHAPES
        for name in shape.model_fields
        if (children := marker(shape, name, Children)) is not None and children.key
    },
    "citations": ("source", "quote", "field"),
}
"""Lists whose items are told apart by their `key` (an agreement's parties, signers per
role, party actions) and a record's citations (each once): entries that the references and
quotes above made equal are dropped."""


def _distinct(items: list[Any], keys: tuple[str, ...]) -> list[Any]:
    seen, kept = set(), []
    for item in items:
        identity = tuple(item.get(k) for k in keys) if keys and isinstance(item, dict) else None
        if identity is None or identity not in seen:
            kept.append(item)
            seen.add(identity)
    return kept


def _valid_date(value: Any) -> bool:
    try:
        parse_partial_date(value)
    except (InvalidDate, TypeError):
        return False
    return True


def _stored(node: Any, key: str | None = None) -> Any:
    """A generated record body with its references, quotes and dates made to fit the data."""
    if isinstance(node, list):
        if key == "sectors":
            return SECTORS[: len(node)]
        if key == "references":
            return AGREEMENTS[: len(node)]
        if key == "countries":
            return ["VN", "AZ"][: len(node)]
        items = [_stored(item, key) for item in node]
        return _distinct(items, UNIQUE_BY.get(key, ()))
    if not isinstance(node, dict):
        return node
    record = {k: _stored(v, k) for k, v in node.items()}
    for name, value in REFERENCES.items():
        if record.get(name) is not None:
            record[name] = value
    if "quote" in record and "source" in record:
        record.update(source=SOURCE, quote=QUOTE, field=None)
    if "date" in record or "date_inferred" in record:
        if record.get("date") is not None and not _valid_date(record["date"]):
            record["date"] = "2025"
        if record.get("date_inferred"):
            record["date"] = record.get("date") or "2025"
            record["date_inferred_reason"] = record.get("date_inferred_reason") or "fuzzed"
    if isinstance(record.get("citations"), list):
        stated = [f for f in CITED_FIELDS if record.get(f) not in (None, "", [], {})]
        record["citations"] += [{"source": SOURCE, "quote": QUOTE, "field": f} for f in stated]
        record["provenance"] = {
            f"aliases.{alias}": {"basis": "reference", "dataset": "fuzzed"}
            for alias in record.get("aliases", [])
        }
    if isinstance(record.get("id"), str):
        digest = hashlib.sha256(record["id"].encode()).hexdigest()[:16]
        record["id"] = f"fuzz-{digest}"
    return record


@schemathesis.hook
def map_case(ctx: Any, case: Any) -> Any:
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive:
        return case
    path = case.operation.path
    for name, known in QUERY_REFERENCES.items():
        value = (case.query or {}).get(name)
        if isinstance(value, list):
            case.query[name] = [v if v in known else known[0] for v in value]
        elif value is not None and value not in known:
            case.query[name] = known[0]
    if case.query and case.query.get("cursor") and not path.endswith("/history"):
        case.query["cursor"] = _cursor(path, case.query.get("sort"))
        case.query.pop("offset", None)  # a cursor excludes offset
    if (
        case.method == "POST"
        and isinstance(case.body, dict)
        and not path.startswith("/api/v1/keys")
    ):
        case.body = _stored(case.body)
    if (case.path_parameters or {}).get("name") == FUZZER_KEY:
        case.path_parameters["name"] = "no-such-key"
    return case

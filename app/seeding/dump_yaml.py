"""`treaty-api seeds dump DIR`: the database's curated records written back as seed files.

Same file names, keys and layout as `seeds/`, so a curator reviews API edits as a git diff.
Records keep the order of the reference seed files (SEEDS_DIR); records those files do not
hold follow, sorted by id. What the reference files already say is copied from them as
written (comments included): an unchanged record verbatim, a changed one key by key, so
the diff shows only the keys that changed. Nothing depends on the clock or on row order in
the database, so dumping the same database twice gives byte-identical files, and dumping a
database seeded from SEEDS_DIR and not edited since gives SEEDS_DIR back.

`countries.yaml` and `bodies.yaml` are copied from the reference seeds: countries are ISO
reference data (pycountry) plus that file, standing bodies are not editable over the API,
and nothing else writes either. Synthetic benchmark records
(`synth-` ids) are left out.
"""

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Agreement, Discrepancy, RelationEvent, Sector, Signatory, Source, Visit
from app.seeding import snapshot
from app.vocabulary import SYNTHETIC_PREFIX

Record = dict[str, Any]

KEYS: dict[str, list[str]] = {
    name: keys.split()
    for name, keys in {
        "sources.yaml": "id file sha256 title kind publisher language url published notes",
        "sectors.yaml": "id name parent description",
        "signatories.yaml": "id name kind country aliases description external_ids provenance "
        "citations",
        "visits.yaml": "id title kind guest guest_title guest_country host_country city date "
        "date_inferred date_inferred_reason summary provenance citations",
        "agreements.yaml": "id title aliases kind date date_inferred date_inferred_reason place "
        "place_country summary status provenance visit parties signatories sectors references "
        "events citations",
        "relations.yaml": "id kind title countries date date_inferred date_inferred_reason "
        "agreement summary citations",
        "discrepancies.yaml": "id record field description readings",
    }.items()
}
"""Each file's keys, in the curated files' order."""

NESTED_KEYS = {
    "citations": ["source", "quote", "field"],
    "events": [
        "action",
        "country",
        "date",
        "date_inferred",
        "date_inferred_reason",
        "note",
        "citations",
    ],
}
OMITTED_WHEN_EMPTY = {
    *("events", "external_ids", "field", "note", "provenance", "references"),
    *("reason", "dataset"),  # of a provenance entry
}
"""Keys the curated files leave out when they have no value."""

COPIED = ("countries.yaml", "bodies.yaml")
"""Files the API cannot change, copied as they are."""

READERS: dict[str, tuple[type, Callable[[Session, str], BaseModel | None]]] = {
    "sectors.yaml": (Sector, snapshot.sector_record),
    "signatories.yaml": (Signatory, snapshot.signatory_record),
    "visits.yaml": (Visit, snapshot.visit_record),
    "agreements.yaml": (Agreement, snapshot.agreement_record),
    "relations.yaml": (RelationEvent, snapshot.relation_record),
    "discrepancies.yaml": (Discrepancy, snapshot.discrepancy_record),
}


class DumpError(Exception):
    pass


def dump_seeds(session: Session, directory: Path, reference: Path) -> list[Path]:
    """Write every curated record of the database into `directory` as seed files laid out
    like `reference` (normally SEEDS_DIR); returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written = [*_dump_sources(session, directory, reference)]
    for name, (model, read) in READERS.items():
        records = [_plain(read(session, i)) for i in _ids(session, model)]
        written.append(_write_yaml(directory, reference, name, records))
    for name in COPIED:
        if (reference / name).exists():
            (directory / name).write_bytes((reference / name).read_bytes())
            written.append(directory / name)
    return written


def _ids(session: Session, model: type) -> list[str]:
    ids = session.scalars(select(model.id).order_by(model.id))  # type: ignore[attr-defined]
    return [i for i in ids if not i.startswith(SYNTHETIC_PREFIX)]


def _plain(record: BaseModel | None) -> Record:
    assert record is not None
    return record.model_dump(mode="json")


def _dump_sources(session: Session, directory: Path, reference: Path) -> list[Path]:
    """sources.yaml, and each source's text under the name the database keeps for it."""
    records, written = [], []
    for source_id in _ids(session, Source):
        doc = _plain(snapshot.source_document(session, source_id))
        target = (directory / doc["filename"]).resolve()
        if not target.is_relative_to(directory.resolve()):
            raise DumpError(f"source {source_id}: file name {doc['filename']!r} leaves {directory}")
        target.parent.mkdir(parents=True, exist_ok=True)
        content = doc["text"].encode("utf-8")
        target.write_bytes(content)
        written.append(target)
        records.append(
            {
                "file": doc["filename"],
                "sha256": hashlib.sha256(content).hexdigest(),
                **{k: v for k, v in doc.items() if k not in ("filename", "text")},
            }
        )
    written.append(_write_yaml(directory, reference, "sources.yaml", records))
    return written


def _write_yaml(directory: Path, reference: Path, name: str, records: list[Record]) -> Path:
    """The records in the reference file's order (new ones after, by id). A record the
    reference file holds unchanged is copied from it as written there, comments included,
    so the diff against the curated files shows only what changed; any other is laid out
    like the curated files."""
    path = reference / name
    header, blocks = _blocks(path.read_text(encoding="utf-8") if path.exists() else "")
    position = {record_id: i for i, record_id in enumerate(blocks)}
    records = sorted(records, key=lambda r: (position.get(r["id"], len(position)), r["id"]))
    parts = [header]
    for record in records:
        block = blocks.get(record["id"])
        reference_record = yaml.safe_load(block)[0] if block else None
        text = _dump_one(_layout(name, record, reference_record))
        parts.append(text if block is None else _keep_unchanged(block, text))
    target = directory / name
    target.write_text("".join(parts) if records else header + "[]\n", encoding="utf-8")
    return target


def _blocks(text: str) -> tuple[str, dict[str, str]]:
    """A seed file split into its header and each record's text by id. Comment and blank
    lines just before a record (`# ---- 2025`) go with that record."""
    lines = text.splitlines(keepends=True)
    starts = [i for i, line in enumerate(lines) if line.startswith("- ")]
    if not starts:
        return "".join(_leading_comments(lines)), {}
    bounds = []
    for start in starts:
        while start > 0 and (
            lines[start - 1].lstrip().startswith("#") or not lines[start - 1].strip()
        ):
            start -= 1
        bounds.append(start)
    bounds[0] = max(bounds[0], len(_leading_comments(lines)))
    blocks = {}
    for n, start in enumerate(bounds):
        block = "".join(lines[start : bounds[n + 1] if n + 1 < len(bounds) else len(lines)])
        record = (yaml.safe_load(block) or [None])[0]
        if isinstance(record, dict) and "id" in record:
            blocks[str(record["id"])] = block
    return "".join(lines[: bounds[0]]), blocks


def _keep_unchanged(block: str, text: str) -> str:
    """`text` (a record as dumped) with each top-level key whose value the reference `block`
    already holds taken from the block as written there, comments included: the diff
    against the curated file shows the changed keys only."""
    before, after = yaml.safe_load(block)[0], yaml.safe_load(text)[0]
    if before == after:
        return block
    written = dict(_segments(block))
    leading = "".join(_leading_comments(block))
    return leading + "".join(
        written[key] if key in written and before.get(key) == after[key] else segment
        for key, segment in _segments(text)
    )


def _segments(block: str) -> list[tuple[str, str]]:
    """A record's text cut at its top-level keys (`- id:`, then `  key:` at indent 2)."""
    segments: list[tuple[str, list[str]]] = []
    for line in block.splitlines(keepends=True):
        key = line[2:].split(":", 1)[0]
        starts = line.startswith("- ") or (line.startswith("  ") and line[2:3].isalpha())
        if starts and ":" in line:
            segments.append((key, [line]))
        elif segments:
            segments[-1][1].append(line)
    return [(key, "".join(lines)) for key, lines in segments]


def _dump_one(record: Record) -> str:
    return yaml.dump([record], Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=90)


def _leading_comments(lines: list[str] | str) -> list[str]:
    """The comment lines (and blank lines among them) a text starts with."""
    if isinstance(lines, str):
        lines = lines.splitlines(keepends=True)
    comments = []
    for line in lines:
        if not (line.startswith("#") or not line.strip()):
            break
        comments.append(line if line.endswith("\n") else line + "\n")
    return comments


def _layout(name: str, record: Record, reference: Record | None) -> Record:
    if reference is not None and name == "agreements.yaml":
        record = _in_reference_order(record, reference)
    return _ordered(record, KEYS[name])


def _ordered(value: Any, keys: list[str] | None = None) -> Any:
    """Dicts with their keys in the curated order, empty optional keys left out."""
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    if not isinstance(value, dict):
        return value
    keys = keys or [k for k in value if k not in NESTED_KEYS]
    out = {}
    for key in [*keys, *(k for k in value if k not in keys)]:
        if key not in value or (key in OMITTED_WHEN_EMPTY and value[key] in (None, [], {})):
            continue
        if key in NESTED_KEYS:
            out[key] = [_ordered(v, NESTED_KEYS[key]) for v in value[key]]
        elif key == "signatories" and keys == KEYS["agreements.yaml"]:
            out[key] = [_Inline(v) for v in value[key]]
        elif isinstance(value[key], str) and key in TEXT_STYLES:
            out[key] = TEXT_STYLES[key](value[key])
        else:
            out[key] = _ordered(value[key])
    return out


def _in_reference_order(record: Record, reference: Record) -> Record:
    """The database keeps an agreement's parties, events and sectors as sets; put them back
    in the order the seed file lists them (new ones last)."""

    def follow(items: list, ref_items: list, key: Callable[[Any], Any]) -> list:
        order = {key(item): i for i, item in enumerate(ref_items)}
        return sorted(items, key=lambda item: order.get(key(item), len(order)))

    return {
        **record,
        "parties": follow(record["parties"], reference.get("parties", []), lambda p: p["country"]),
        "events": follow(
            record["events"],
            reference.get("events", []),
            lambda e: (e["action"], e.get("country")),
        ),
        "sectors": follow(record["sectors"], reference.get("sectors", []), lambda s: s),
    }


class _Prose(str):
    """Running text: folded over several lines when long."""


class _Inline(dict):
    """A short mapping on one line (`{signatory: to-lam, role: witness, side: VN}`)."""


class _Verbatim(str):
    """A quote from a source: double-quoted on one line, as the curated files write it."""


TEXT_STYLES: dict[str, type[str]] = {
    **dict.fromkeys(
        (
            *("summary", "description", "notes", "note"),
            *("inferred_reason", "date_inferred_reason", "reason"),
        ),
        _Prose,
    ),
    "quote": _Verbatim,
}


class _Dumper(yaml.SafeDumper):
    """The curated files' style: long prose folded (`>-`), quotes and other text on one
    line, double quotes where quoting is needed, short lists of names inline (`[VN, AZ]`),
    lists indented under their key. PyYAML still guarantees it reads back as stored."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)

    def choose_scalar_style(self) -> str:
        style = super().choose_scalar_style()
        return '"' if style == "'" else style

    def write_plain(self, text: str, split: bool = True) -> None:
        super().write_plain(text, split=False)

    def write_double_quoted(self, text: str, split: bool = True) -> None:
        super().write_double_quoted(text, split=False)


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


def _prose(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    style = "|" if "\n" in value else (">" if len(value) > 90 else None)
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style=style)


def _verbatim(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style='"')


def _list(dumper: yaml.SafeDumper, value: list) -> yaml.Node:
    inline = all(isinstance(v, str) and len(v) < 40 for v in value) and len(value) <= 6
    return dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=inline)


_Dumper.add_representer(str, _str)
_Dumper.add_representer(_Prose, _prose)
_Dumper.add_representer(_Verbatim, _verbatim)
_Dumper.add_representer(list, _list)
_Dumper.add_representer(
    _Inline,
    lambda dumper, value: dumper.represent_mapping(
        "tag:yaml.org,2002:map", dict(value), flow_style=True
    ),
)

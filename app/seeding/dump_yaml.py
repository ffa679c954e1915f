"""`treaty-api seeds dump DIR`: the database's curated records written back as seed files.

Same file names, keys and layout as `seeds/`, so a curator reviews API edits as a git diff:
each kind with a seed file is written from the database through its declaration (its
file's name and keys; a source's text beside it), except a kind made from reference data
(`countries.yaml`), whose file is copied. Records keep the order of the reference seed files
(SEEDS_DIR); records those files do not hold follow, sorted by id. What the reference files
already say is copied from them as written (comments included): an unchanged record
verbatim, a changed one key by key, so the diff shows only the keys that changed. Nothing
depends on the clock or on row order in the database, so dumping the same database twice
gives byte-identical files, and dumping a database seeded from SEEDS_DIR and not edited since
gives SEEDS_DIR back. Synthetic benchmark records (`synth-` ids) are left out.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.kinds import storage
from app.kinds.declaration import Children, Kind, Kinds, marker, nested_shape
from app.kinds.registry import KINDS
from app.vocabulary import SYNTHETIC_PREFIX

Record = dict[str, Any]

OMITTED_WHEN_EMPTY = {
    *("events", "external_ids", "field", "note", "provenance", "references"),
    *("reason", "dataset"),  # of a provenance entry
}
"""Keys the curated files leave out when they have no value."""


class DumpError(Exception):
    pass


def dump_seeds(
    session: Session, directory: Path, reference: Path, kinds: Kinds = KINDS
) -> list[Path]:
    """Write every curated record of the database into `directory` as seed files laid out
    like `reference` (normally SEEDS_DIR); returns the files written."""
    directory.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for kind in kinds:
        if kind.seed_file is None or kind.parent is not None:
            continue
        name = kind.seed_file.name
        if kind.reference_data is not None:
            if (reference / name).exists():
                (directory / name).write_bytes((reference / name).read_bytes())
                written.append(directory / name)
            continue
        records = []
        for record_id in _ids(session, kind.model):
            record = storage.read(session, kind, record_id).model_dump(mode="json")
            if kind.seed_entry is not None:
                record, files = kind.seed_entry(record)
                written += [_write_file(directory, path, text) for path, text in files.items()]
            records.append(record)
        written.append(_write_yaml(directory, reference, kind, records, kinds))
    return written


def _ids(session: Session, model: Any) -> list[str]:
    ids = session.scalars(select(model.id).order_by(model.id))
    return [i for i in ids if not i.startswith(SYNTHETIC_PREFIX)]


def _write_file(directory: Path, path: str, text: str) -> Path:
    """A file beside the seed files (a source's text), which must stay inside `directory`."""
    target = (directory / path).resolve()
    if not target.is_relative_to(directory.resolve()):
        raise DumpError(f"the file name {path!r} leaves {directory}")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.encode("utf-8"))
    return target


def _write_yaml(
    directory: Path, reference: Path, kind: Kind, records: list[Record], kinds: Kinds
) -> Path:
    """The records in the reference file's order (new ones after, by id). A record the
    reference file holds unchanged is copied from it as written there, comments included,
    so the diff against the curated files shows only what changed; any other is laid out
    like the curated files."""
    name = kind.seed_file.name  # type: ignore[union-attr]
    path = reference / name
    header, blocks = _blocks(path.read_text(encoding="utf-8") if path.exists() else "")
    position = {record_id: i for i, record_id in enumerate(blocks)}
    records = sorted(records, key=lambda r: (position.get(r["id"], len(position)), r["id"]))
    parts = [header]
    for record in records:
        block = blocks.get(record["id"])
        reference_record = yaml.safe_load(block)[0] if block else None
        text = _dump_one(_layout(kind, record, reference_record, kinds))
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


def _layout(kind: Kind, record: Record, reference: Record | None, kinds: Kinds) -> Record:
    assert kind.shape is not None and kind.seed_file is not None
    if reference is not None:
        record = _in_reference_order(kind.shape, record, reference)
    return _ordered(kind.shape, record, kind.seed_file, kinds)


def _ordered(shape: Any, value: Record, seed_file: Any, kinds: Kinds) -> Record:
    """The record's keys in its seed file's order, empty optional keys left out, nested
    records laid out the same way (an event as its kind's file lists events)."""
    keys = list(seed_file.keys if seed_file else shape.model_fields)
    out: Record = {}
    for key in [*keys, *(k for k in value if k not in keys)]:
        if key not in value or (key in OMITTED_WHEN_EMPTY and value[key] in (None, [], {})):
            continue
        item = value[key]
        nested = nested_shape(shape, key) if key in shape.model_fields else None
        if nested is not None and isinstance(item, list):
            children = marker(shape, key, Children)
            inner = kinds[children.kind].seed_file if children and children.kind else None
            items = [_ordered(nested, v, inner, kinds) for v in item]
            inline = seed_file is not None and key in seed_file.inline
            out[key] = [_Inline(v) for v in items] if inline else items
        elif nested is not None and isinstance(item, dict):
            out[key] = _ordered(nested, item, None, kinds)
        elif isinstance(item, str) and key in TEXT_STYLES:
            out[key] = TEXT_STYLES[key](item)
        elif isinstance(item, dict):
            out[key] = {k: _plain(v) for k, v in item.items() if v not in (None, [], {})}
        else:
            out[key] = item
    return out


def _plain(value: Any) -> Any:
    """A provenance entry and the like: prose folded, empty keys left out."""
    if isinstance(value, dict):
        return {
            k: TEXT_STYLES[k](v) if isinstance(v, str) and k in TEXT_STYLES else _plain(v)
            for k, v in value.items()
            if not (k in OMITTED_WHEN_EMPTY and v in (None, [], {}))
        }
    return value


def _in_reference_order(shape: Any, record: Record, reference: Record) -> Record:
    """The database keeps some lists as sets (an agreement's parties, events and sectors: see
    `Children`); put them back in the order the seed file lists them (new ones last)."""
    out = dict(record)
    for name in shape.model_fields:
        children = marker(shape, name, Children)
        if children is None or children.position is not None or name not in out:
            continue
        key: Callable[[Any], Any] = (
            (lambda item, k=children.key: tuple(item.get(f) for f in k))
            if children.key
            else (lambda item: item)
        )
        order = {key(item): i for i, item in enumerate(reference.get(name, []))}
        out[name] = sorted(out[name], key=lambda item: order.get(key(item), len(order)))
    return out


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

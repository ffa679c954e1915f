"""A source document: its text stored byte for byte with its SHA-256, so every quote of it
can be checked."""

import hashlib
from typing import Any

from pydantic import Field

from app.kinds.declaration import Kind, Rules, SeedFile, SeedReader
from app.kinds.fields import DateText, Line, Prose, RecordId, Sha256
from app.kinds.shapes import SeedModel, Text
from app.models import Source
from app.schemas.sources import SourceQuery


class SourceFields(SeedModel):
    """What a source says of itself, wherever it is written."""

    id: RecordId
    title: Text(500)
    kind: Text(40)
    publisher: Text(200) | None = None
    language: Text(10) | None = None
    url: Text(2000) | None = None
    published: DateText | None = None
    notes: Prose | None = None


class SourceRecord(SourceFields):
    """A source as `sources.yaml` lists it: its text is in `file`, beside the seed files."""

    file: Text(300)
    sha256: Sha256 | None = None
    """The file's SHA-256, when pinned: seeding refuses a file that no longer matches it."""


class SourceDocument(SourceFields):
    """A source with its full text: what the write API takes and the audit log keeps."""

    filename: Text(300) | None = None
    text: Prose = Field(min_length=1)


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def sha256_problem(text: str, sha256: str) -> str | None:
    """Why a source's stored digest does not vouch for its text, or None."""
    actual = sha256_of(text)
    if actual != sha256:
        return f"the text's SHA-256 is {actual}, not the recorded {sha256}"
    return None


def read_seeds(reader: SeedReader) -> list[SourceDocument]:
    """`sources.yaml`, each source with the text of its file (which must match a pinned
    `sha256`), named by its path in the seeds."""
    documents = []
    for record in reader.records(SEED_FILE.name, SourceRecord):
        try:
            text = (reader.directory / record.file).read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reader.problem(SEED_FILE.name, record.id, "file", f"cannot read {record.file}: {exc}")
            continue
        mismatch = sha256_problem(text, record.sha256) if record.sha256 else None
        if mismatch:
            reader.problem(SEED_FILE.name, record.id, "sha256", f"{record.file}: {mismatch}")
        fields = record.model_dump(exclude={"file", "sha256"})
        documents.append(SourceDocument(**fields, filename=record.file, text=text))
    return documents


def seed_entry(document: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """A source as `sources.yaml` lists it, and its text under the file name it keeps."""
    entry = {
        "file": document["filename"],
        "sha256": sha256_of(document["text"]),
        **{k: v for k, v in document.items() if k not in ("filename", "text")},
    }
    return entry, {document["filename"]: document["text"]}


def quotes_still_found(checker: Rules, document: SourceDocument) -> None:
    """A source's new text must still contain every quote that cites it."""
    broken = sum(1 for q in checker.known.quotes_of(document.id) if q not in document.text)
    if broken:
        checker.add(("text",), f"{broken} existing quote(s) of this source are not in the new text")


def derived_columns(document: SourceDocument) -> dict[str, Any]:
    return {
        "filename": document.filename or f"{document.id}.txt",
        "sha256": sha256_of(document.text),
    }


def row_problems(row: dict[str, Any]) -> list[tuple[str, str]]:
    problem = sha256_problem(row["text"], row["sha256"])
    return [("sha256", problem)] if problem else []


SEED_FILE = SeedFile(
    "sources.yaml",
    ("id", "file", "sha256", "title", "kind", "publisher", "language", "url", "published", "notes"),
)
KIND = Kind(
    name="source",
    plural="sources",
    model=Source,
    shape=SourceDocument,
    seed_file=SEED_FILE,
    writable=True,
    csv_columns=("id", "title", "kind", "publisher", "language", "url", "published", "sha256"),
    filters=SourceQuery,
    read_seeds=read_seeds,
    seed_entry=seed_entry,
    rules=quotes_still_found,
    derived_columns=derived_columns,
    row_rules={"filename": Line(300), "sha256": Sha256},
    row_problems=row_problems,
)

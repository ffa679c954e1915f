"""Bulk downloads: content negotiation and streamed CSV / NDJSON bodies."""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import orjson
from fastapi import Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel

MEDIA_TYPES = {"csv": "text/csv; charset=utf-8", "ndjson": "application/x-ndjson"}
ACCEPTED = {"text/csv": "csv", "application/x-ndjson": "ndjson", "application/ndjson": "ndjson"}


def requested_format(request: Request, explicit: str | None) -> str:
    """`format=` wins; else the first CSV or NDJSON type in `Accept`; else JSON."""
    if explicit:
        return explicit
    for part in request.headers.get("accept", "").split(","):
        fmt = ACCEPTED.get(part.split(";")[0].strip().lower())
        if fmt:
            return fmt
    return "json"


def csv_rows(columns: list[str], records: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    """RFC 4180 CSV (CRLF, quoted as needed), one row per record, lists joined with "; "."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(record.get(c)) for c in columns])
        if buffer.tell() > 64_000:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _cell(value: Any) -> Any:
    """A list becomes "a; b" (embedded records by their id); null becomes empty."""
    if isinstance(value, list):
        return "; ".join(str(v["id"]) if isinstance(v, dict) else str(v) for v in value)
    return "" if value is None else value


def ndjson_rows(records: Iterable[dict[str, Any]]) -> Iterator[bytes]:
    for record in records:
        yield orjson.dumps(record) + b"\n"


def stream(
    fmt: str,
    batches: Iterable[list[Any]],
    build: Callable[[Any], BaseModel],
    csv_columns: list[str],
    filename: str,
) -> StreamingResponse:
    records = (
        build(row).model_dump(mode="json", exclude_unset=True) for batch in batches for row in batch
    )
    body = csv_rows(csv_columns, records) if fmt == "csv" else ndjson_rows(records)
    return StreamingResponse(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'},
    )

"""Content negotiation (`Accept` with q-values), and the CSV / NDJSON lines of downloads."""

import csv
import io
from collections.abc import Iterable
from typing import Any

import orjson
from fastapi import Request

from app.errors import NotAcceptable

JSON = "application/json"
CSV = "text/csv"
NDJSON = "application/x-ndjson"
MERGE_PATCH = "application/merge-patch+json"


def _preferences(accept: str) -> list[tuple[str, float, int]]:
    """(media range, q, specificity) for each range of an Accept header."""
    ranges = []
    for part in accept.split(","):
        media_range, *params = (p.strip() for p in part.split(";"))
        if not media_range:
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
        media_range = media_range.lower()
        specificity = 0 if media_range == "*/*" else 1 if media_range.endswith("/*") else 2
        ranges.append((media_range, q, specificity))
    return ranges


def _quality(media_type: str, ranges: list[tuple[str, float, int]]) -> float:
    """The q of the most specific range matching `media_type` (RFC 9110 §12.5.1)."""
    kind = media_type.split("/")[0] + "/*"
    matching = [(s, q) for r, q, s in ranges if r in (media_type, kind, "*/*")]
    return max(matching)[1] if matching else 0.0


def negotiate(accept: str | None, offered: list[str]) -> str | None:
    """The offered media type the client prefers (ties go to the first offered), or None
    when none is acceptable. No Accept header accepts anything."""
    if not accept or not accept.strip():
        return offered[0]
    ranges = _preferences(accept)
    best, best_q = None, 0.0
    for media_type in offered:
        q = _quality(media_type, ranges)
        if q > best_q:
            best, best_q = media_type, q
    return best


def require_acceptable(request: Request, offered: list[str]) -> str:
    """The negotiated media type, or a 406 problem naming what is offered."""
    chosen = negotiate(request.headers.get("accept"), offered)
    if chosen is None:
        raise NotAcceptable(
            f"This resource is available as {', '.join(offered)}; "
            f"the Accept header ({request.headers.get('accept')}) allows none of them."
        )
    return chosen


def accepts_json(request: Request) -> None:
    """Router dependency: JSON resources answer 406 when the client accepts no JSON."""
    require_acceptable(request, [JSON])


def csv_header(columns: list[str]) -> bytes:
    """The header line: the column names, quoted as needed."""
    return csv_lines(columns, [{column: column for column in columns}])


def csv_lines(columns: list[str], records: Iterable[dict[str, Any]]) -> bytes:
    """RFC 4180 CSV (CRLF, quoted as needed), one line per record, in cells a spreadsheet
    reads right (see `_cell`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for record in records:
        writer.writerow([_cell(record.get(c)) for c in columns])
    return buffer.getvalue().encode()


def _cell(value: Any) -> Any:
    """A list becomes "a; b" (embedded records by their id); a record (a change's `before`)
    its JSON; a boolean `true`/`false`, as JSON and spreadsheets spell it; null is empty."""
    if isinstance(value, list):
        return "; ".join(str(v["id"]) if isinstance(v, dict) else str(v) for v in value)
    if isinstance(value, dict):
        return orjson.dumps(value).decode()
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else value


def ndjson_lines(records: Iterable[dict[str, Any]]) -> bytes:
    return b"".join(orjson.dumps(record) + b"\n" for record in records)

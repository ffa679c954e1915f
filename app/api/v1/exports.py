"""Bulk downloads of a list: `/<list>.csv` and `/<list>.ndjson`, defined once for every list."""

from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session
from starlette.types import Scope

from app.api.deps import SessionDep, falling_back
from app.api.formats import (
    CSV,
    NDJSON,
    csv_header,
    csv_lines,
    ndjson_lines,
    require_acceptable,
)
from app.api.query_models import query_model
from app.dates import date_parts
from app.kinds.declaration import Kind
from app.middleware.admission import turn_of
from app.schemas.common import problem_responses

MEDIA_TYPES = {"csv": CSV, "ndjson": NDJSON}
INFERRED = "inferred"
"""The CSV column that names a row's inferred values (`inferred_columns`)."""
PLAIN_TEXT = "text/plain"
OFFERED = {"csv": [CSV], "ndjson": [NDJSON, PLAIN_TEXT]}
"""What each download's own operation answers, the first unless `Accept` prefers another.
NDJSON is also offered as plain text: a browser shows it rather than saving it, and a
generator that knows no NDJSON media type (openapi-python-client skips the response, with a
warning) types the body as text."""


@dataclass(frozen=True)
class Export:
    """What a list's downloads are made of."""

    name: str
    """The list's path segment and the file name (`visits`)."""
    noun: str
    """What one row is, in the plural, for the docs (`official visits`)."""
    filters: type[BaseModel]
    """The list's filters and sort, without paging (limit, offset and cursor do not apply)."""
    batches: Callable[[Session, Any], Iterable[list[Any]]]
    """Every matching row, in keyset batches (filters resolved before the first batch)."""
    records: Callable[[Session, list[Any]], list[dict[str, Any]]]
    """A batch of rows as JSON: each the list's item shape, one NDJSON line (what they link
    to read for the batch at once, as for a page of the list)."""
    csv_columns: list[str]
    """CSV columns: fields of `records`, `year`/`month`/`day` of its `date`, `csv_extra`,
    and `inferred` (see `inferred_columns`) for records that say how their facts are known."""
    csv_extra: Callable[[Any], dict[str, Any]] = field(default=lambda row: {})
    """Flat CSV-only fields, such as the names beside the codes."""
    path: str = ""
    """The list's path on its router (empty when the router's prefix is the list's path)."""
    csv_records: Callable[[Session, list[Any]], list[dict[str, Any]]] | None = None
    """A batch as the CSV's rows see it, where it shows more than a list item does (an
    agreement's sectors), so that their provenance names the CSV's inferred values too;
    `records` by default."""

    @classmethod
    def of_kind(
        cls,
        kind: Kind,
        noun: str,
        batches: Callable[[Session, Any], Iterable[list[Any]]],
        records: Callable[[Session, list[Any]], list[dict[str, Any]]],
        csv_extra: Callable[[Any], dict[str, Any]] = lambda row: {},
        csv_records: Callable[[Session, list[Any]], list[dict[str, Any]]] | None = None,
    ) -> "Export":
        """The downloads of a kind's list: its path, filters and CSV columns as declared."""
        assert kind.filters is not None, f"{kind.name} has no list"
        return cls(
            name=kind.plural,
            noun=noun,
            filters=kind.filters,
            batches=batches,
            records=records,
            csv_columns=[
                *kind.csv_columns,
                *((INFERRED,) if hasattr(kind.model, "provenance") else ()),
            ],
            csv_extra=csv_extra,
            csv_records=csv_records,
        )

    def csv_record(self, row: Any, record: dict[str, Any]) -> dict[str, Any]:
        values = {**record, **date_parts(record.get("date")), **self.csv_extra(row)}
        if INFERRED in self.csv_columns:
            values[INFERRED] = inferred_columns(record["provenance"], self.csv_columns)
        return values

    def download(
        self,
        request: Request,
        session: Session,
        filters: BaseModel,
        fmt: str,
        media_type: str | None = None,
    ) -> StreamingResponse:
        """Every row matching `filters` as `fmt` (`csv` or `ndjson`), streamed with flat
        memory, in the route's worker thread, labelled `media_type` (the format's own by
        default).

        The filters are resolved here, so a bad one is a 422 and not an error in the middle
        of a body, and this transaction ends before the response starts. Then each batch is
        read and encoded in a transaction, a worker thread and an admission slot of its own
        (`in_turns`), so a client that reads slowly holds none of them while it reads; each
        batch shows the rows as they were when it was read.

        Not cached (`no-store`): a download is read once, and hashing it for an ETag would
        mean producing it twice. A HEAD gets the headers without the rows being read."""
        rows = iter(
            falling_back(
                request, session, lambda s: ((s, batch) for batch in self.batches(s, filters))
            )
        )
        session.commit()
        if request.scope.get("head"):
            rows = iter(())
        if fmt == "csv":
            first = csv_header(self.csv_columns)

            def encode(s: Session, batch: list[Any]) -> bytes:
                records = (self.csv_records or self.records)(s, batch)
                return csv_lines(self.csv_columns, map(self.csv_record, batch, records))
        else:
            first = b""  # a chunk all the same: the headers go out before the first batch

            def encode(s: Session, batch: list[Any]) -> bytes:
                return ndjson_lines(self.records(s, batch))

        def next_chunk() -> bytes | None:
            read = next(rows, None)
            chunk = None if read is None else encode(*read)
            session.commit()  # the batch's transaction ends before its bytes are sent
            return chunk

        return StreamingResponse(
            in_turns(request.scope, first, next_chunk),
            media_type=media_type or MEDIA_TYPES[fmt],
            headers={
                "Content-Disposition": f'attachment; filename="{self.name}.{fmt}"',
                "Cache-Control": "no-store",
            },
        )


def inferred_columns(provenance: dict[str, Any], columns: list[str]) -> list[str]:
    """A CSV row's `inferred` column: the row's values that are inferred, not stated, by
    their provenance keys, where the row has their column (`date`, or one party,
    `party_codes[VDVN]`): one column a spreadsheet filters on, rather than a basis column
    beside each. `year`, `month` and `day` are `date`'s parts, known as it is."""
    return [
        key
        for key, entry in provenance.items()
        if entry["basis"] == "inferred" and key.partition("[")[0] in columns
    ]


async def in_turns(
    scope: Scope, first: bytes, next_chunk: Callable[[], bytes | None]
) -> AsyncIterator[bytes]:
    """`first`, then each chunk `next_chunk` makes until it makes None, each made in a worker
    thread of the downloads' lane (`Settings.download_threads`), holding an admission slot
    of its own (see `app.middleware.admission.Turn`). The request hands its own slot back
    first: its client then reads at its own pace, and holds nothing but its connection
    while it does.

    Why: a download used to hold its slot, and its transaction, until its client had read
    the last byte. 16 clients that stopped reading the agreements' CSV (20,000 rows, 5 MB)
    held all 16 slots, and every other request waited its 5 s in line for a 503.

    Why one thread by default: with 8 clients downloading that CSV over and over, another
    client's reads took 20-40 ms at the median and 0.12-0.2 s at p99 with one thread for
    the batches (the downloads made 2,700-2,900 rows/s in all), against 45-55 ms and 0.8 s
    with two, 65-90 ms and 0.6-1 s with four, 0.25-0.3 s and 0.7-1.2 s with 16 (2 cores
    shared with other jobs, two runs each; the downloads made up to 8,200 rows/s)."""
    turn = turn_of(scope)
    lane: anyio.CapacityLimiter = scope["app"].state.download_lane.get()
    turn.release()
    yield first
    while True:
        async with lane:
            await turn.take(None)
            try:
                chunk = await anyio.to_thread.run_sync(next_chunk)
            finally:
                turn.release()
        if chunk is None:
            return
        yield chunk
        # uvicorn sends nothing, not even an empty chunk, until its buffer for the connection
        # has drained into the kernel's: the next batch is made only then, so a client that
        # stopped reading holds one batch in this process, not two (measured with a 32 kB
        # socket buffer: 1 batch of 1,000 agreements made, against 2 without).
        yield b""


def add_export_routes(router: APIRouter, export: Export, tags: list[str] | None = None) -> None:
    """GET /<list>.csv and /<list>.ndjson on the list's router: each its own operation
    (`export_<list>_csv`) with one media type, the list's filters, and `no-store`."""
    for fmt, media_types in OFFERED.items():
        _add_route(router, export, fmt, media_types, tags)


def _add_route(
    router: APIRouter, export: Export, fmt: str, media_types: list[str], tags: list[str] | None
) -> None:
    async def download(
        request: Request,
        session: SessionDep,
        filters: Annotated[export.filters, query_model(export.filters)],  # type: ignore[name-defined]
    ) -> StreamingResponse:
        media_type = require_acceptable(request, media_types)
        return await anyio.to_thread.run_sync(
            export.download, request, session, filters, fmt, media_type
        )

    label = fmt.upper()
    download.__doc__ = (
        f"All {export.noun} matching the filters (the same as the list's), as {label}, streamed in keyset batches with flat "
        "memory. Not cached (`Cache-Control: no-store`)."
    )
    if fmt == "csv":
        schema = {
            "type": "string",
            "description": "RFC 4180 CSV with a header row: "
            + ", ".join(export.csv_columns)
            + ". Lists are joined with `; `, booleans are `true`/`false`, a missing value is "
            "empty; `year`, `month` and `day` split `date` as far as `date_precision` goes. "
            "`inferred`, where there is one, names the row's values that are inferred rather "
            "than stated by a source, by their `provenance` keys (`date; party_codes[VDVN]`).",
        }
        example = ",".join(export.csv_columns) + "\r\n"
    else:
        schema = {
            "type": "string",
            "description": f"One JSON object per line, each shaped as an item of `/{export.name}` "
            "(labelled `text/plain` when `Accept` prefers that).",
        }
        example = "{}\n"
    router.add_api_route(
        f"{export.path}.{fmt}",
        download,
        methods=["GET"],
        summary=f"Download all matching {export.noun} as {label}",
        operation_id=f"export_{export.name}_{fmt}",
        response_class=StreamingResponse,
        tags=tags,
        responses={
            200: {
                "description": f"All matching {export.noun} as {label}.",
                "content": {m: {"schema": schema, "example": example} for m in media_types},
            },
            **problem_responses(
                (406, f"The Accept header allows none of {', '.join(media_types)}")
            ),
        },
    )

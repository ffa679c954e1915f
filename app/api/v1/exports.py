"""Bulk downloads of a list: `/<list>.csv` and `/<list>.ndjson`, defined once for every list."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.api.deps import SessionDep
from app.api.formats import CSV, NDJSON, require_acceptable, stream
from app.api.query_models import query_model
from app.dates import date_parts
from app.kinds.declaration import Kind
from app.schemas.common import problem_responses

MEDIA_TYPES = {"csv": CSV, "ndjson": NDJSON}


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
    record: Callable[[Any], dict[str, Any]]
    """A row as JSON: the list's item shape, one NDJSON line."""
    csv_columns: list[str]
    """CSV columns: fields of `record`, `year`/`month`/`day` of its `date`, and `csv_extra`."""
    csv_extra: Callable[[Any], dict[str, Any]] = field(default=lambda row: {})
    """Flat CSV-only fields, such as the names beside the codes."""
    path: str = ""
    """The list's path on its router (empty when the router's prefix is the list's path)."""

    @classmethod
    def of_kind(
        cls,
        kind: Kind,
        noun: str,
        batches: Callable[[Session, Any], Iterable[list[Any]]],
        record: Callable[[Any], dict[str, Any]],
        csv_extra: Callable[[Any], dict[str, Any]] = lambda row: {},
    ) -> "Export":
        """The downloads of a kind's list: its path, filters and CSV columns as declared."""
        assert kind.filters is not None, f"{kind.name} has no list"
        return cls(
            name=kind.plural,
            noun=noun,
            filters=kind.filters,
            batches=batches,
            record=record,
            csv_columns=list(kind.csv_columns),
            csv_extra=csv_extra,
        )

    def csv_record(self, row: Any) -> dict[str, Any]:
        record = self.record(row)
        return {**record, **date_parts(record.get("date")), **self.csv_extra(row)}

    def download(
        self, request: Request, session: Session, filters: BaseModel, fmt: str
    ) -> StreamingResponse:
        """Every row matching `filters` as `fmt` (`csv` or `ndjson`), streamed."""
        record = self.csv_record if fmt == "csv" else self.record
        rows = self.batches(session, filters)
        return stream(request, fmt, rows, record, self.csv_columns, self.name)


def add_export_routes(router: APIRouter, export: Export, tags: list[str] | None = None) -> None:
    """GET /<list>.csv and /<list>.ndjson on the list's router: each its own operation
    (`export_<list>_csv`) with one media type, the list's filters, and `no-store`."""
    for fmt, media_type in MEDIA_TYPES.items():
        _add_route(router, export, fmt, media_type, tags)


def _add_route(
    router: APIRouter, export: Export, fmt: str, media_type: str, tags: list[str] | None
) -> None:
    async def download(
        request: Request,
        session: SessionDep,
        filters: Annotated[export.filters, query_model(export.filters)],  # type: ignore[name-defined]
    ) -> StreamingResponse:
        require_acceptable(request, [media_type])
        return await anyio.to_thread.run_sync(export.download, request, session, filters, fmt)

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
            "empty; `year`, `month` and `day` split `date` as far as `date_precision` goes.",
        }
        example = ",".join(export.csv_columns) + "\r\n"
    else:
        schema = {
            "type": "string",
            "description": f"One JSON object per line, each shaped as an item of `/{export.name}`.",
        }
        example = "{}\n"
    router.add_api_route(
        f"{export.path}.{fmt}",
        download,
        methods=["GET"],
        summary=f"Download every matching {export.noun} as {label}",
        operation_id=f"export_{export.name}_{fmt}",
        response_class=StreamingResponse,
        tags=tags,
        responses={
            200: {
                "description": f"Every matching {export.noun} as {label}.",
                "content": {media_type: {"schema": schema, "example": example}},
            },
            **problem_responses((406, f"The Accept header does not allow {media_type}")),
        },
    )

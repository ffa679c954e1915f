"""Write routes (POST, PATCH with JSON Merge Patch, DELETE) for every curated resource,
built from one pattern: key checked first, then the body read, then one short write
transaction (`write_transaction`): If-Match against the record's current ETag, validation as
strict as seeding, an audit entry per write."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request, Response
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.api.auth import AdminKey, WriteBody, WriteKey
from app.api.deps import SessionDep, mark_change, public_url, run_write
from app.api.formats import MERGE_PATCH, accepts_json
from app.api.responses import JSONBytes
from app.api.v1.common import record_id, with_article
from app.api.write_schemas import REF, schema_name
from app.curation import service
from app.db import write_transaction
from app.errors import PreconditionFailed, PreconditionRequired
from app.kinds.declaration import Kind
from app.middleware.http_cache import etag_of, strong_match, uncoded
from app.schemas.common import AUTH_RESPONSES, problem_responses

Detail = Callable[[Session, str], Any]
"""A record's detail as its GET answers it, a model or its JSON (NotFound if none)."""
WRITE_ERRORS = {
    **AUTH_RESPONSES,
    **problem_responses(
        (404, "No such record"),
        (409, "Other records point at it"),
        (412, "If-Match does not match the record's current ETag: reload and retry"),
        (422, "The record breaks a rule; `errors` names each field"),
        (428, "If-Match is required"),
    ),
}
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        description="The record's current ETag, from a GET: a write to a record that changed "
        "since is refused (412), so no update is lost. Required (428 without); a weak ETag "
        "(`W/...`) or `*` never matches.",
        examples=['"0c5f8a1e9b7d4c3a2f1e0d9c8b7a6f5e"'],
        max_length=200,
    ),
]
"""Declared required in the spec (see app.main.install_schemas); read as optional here so
that its absence is a 428 with a useful message rather than a generic 422."""


def record_response(record: Any, status: int = 200, **headers: str) -> Response:
    """The record as its GET answers it, with the ETag of those bytes."""
    response = JSONBytes(record, status_code=status)
    response.headers.update({"ETag": etag_of(response.body), **headers})
    return response


def _lock(session: Session, kind: Kind, record_id: str) -> None:
    """Hold the record's row until commit (PostgreSQL), so concurrent writers queue up and
    the second sees the first's ETag. SQLite writers already queue: their transactions
    begin IMMEDIATE (see `write_transaction`).

    FOR NO KEY UPDATE, not FOR UPDATE: a write that makes another record point at this one
    (a sector put under it) need not wait for it. With FOR UPDATE, two sectors made each
    other's parent (or c under b while a went under c) each waited on the other's lock; one
    was retried once PostgreSQL saw the deadlock, after `deadlock_timeout` (1 s)."""
    model = kind.model
    locked = select(model.id).where(model.id == record_id).with_for_update(key_share=True)
    session.execute(locked).first()


def _claim(
    session: Session, kind: Kind, detail: Detail, record_id: str, if_match: str | None
) -> None:
    """Lock the record, then require that the client's If-Match is its current ETag."""
    _lock(session, kind, record_id)
    _check_if_match(if_match, detail(session, record_id))


def _check_if_match(if_match: str | None, current: Any) -> None:
    if if_match is None:
        raise PreconditionRequired("Send If-Match with the record's ETag (from a GET).")
    if not strong_match(uncoded(if_match), record_response(current).headers["ETag"]):
        raise PreconditionFailed("The record changed since that ETag; GET it again and retry.")


def add_write_routes(
    router: APIRouter, kind: Kind, detail: Detail, detail_model: type[BaseModel], example_id: str
) -> None:
    """POST, PATCH and DELETE for `kind` on `router`; `detail` is what the GET answers, so
    a write answers with (and checks If-Match against) what a GET shows. Each does its
    whole database work in one worker-thread hop."""
    create_body = {"$ref": REF + schema_name(kind, "Create")}
    patch_body = {"$ref": REF + schema_name(kind, "Patch")}
    RecordId = record_id(kind.name, example_id)
    one = with_article(kind.name)
    item_path = f"/{{{kind.name}_id}}"
    json_only = [Depends(accepts_json)]
    create_text = (
        f"Add {one}. The body has the seed files' shape; every "
        "`citations[].quote` must be a verbatim passage of its source and every id it "
        "mentions must exist. Needs a `write` key."
    )
    update_text = (
        f"Change {one} with a JSON Merge Patch (RFC 7396): keys replace, "
        "`null` removes. Send `If-Match` with the ETag of your GET. Needs a `write` "
        "key."
    )
    delete_text = (
        f"Delete {one} that no other record points at. Send `If-Match`. Needs an `admin` key."
    )

    @router.post(
        "",
        status_code=201,
        responses=WRITE_ERRORS,
        dependencies=json_only,
        response_model=detail_model,
        summary=f"Create {one}",
        description=create_text,
        operation_id=f"create_{kind.name}",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": create_body}},
            }
        },
    )
    async def create(
        session: SessionDep, request: Request, key: WriteKey, body: WriteBody
    ) -> Response:
        def work() -> Response:
            record_id = write_transaction(
                session, lambda s: service.create(s, kind, body, key.name)
            )
            location = public_url(request, f"{request.url.path}/{record_id}")
            response = record_response(detail(session, record_id), 201, Location=location)
            return mark_change(response, session)

        return await run_write(work)

    @router.patch(
        item_path,
        responses=WRITE_ERRORS,
        dependencies=json_only,
        response_model=detail_model,
        summary=f"Correct {one} (JSON Merge Patch)",
        description=update_text,
        operation_id=f"update_{kind.name}",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {MERGE_PATCH: {"schema": patch_body}},
            }
        },
    )
    async def update(
        session: SessionDep,
        record_id: RecordId,
        key: WriteKey,
        body: WriteBody,
        if_match: IfMatch = None,
    ) -> Response:
        def change(s: Session) -> None:
            _claim(s, kind, detail, record_id, if_match)
            service.update(s, kind, record_id, body, key.name)

        return await run_write(lambda: _written(session, change, detail, record_id))

    @router.delete(
        item_path,
        status_code=204,
        responses=WRITE_ERRORS,
        dependencies=json_only,
        response_model=None,
        summary=f"Delete {one}",
        description=delete_text,
        operation_id=f"delete_{kind.name}",
    )
    async def remove(
        session: SessionDep, record_id: RecordId, key: AdminKey, if_match: IfMatch = None
    ) -> Response:
        def change(s: Session) -> None:
            _claim(s, kind, detail, record_id, if_match)
            service.delete(s, kind, record_id, key.name)

        def work() -> Response:
            write_transaction(session, change)
            return mark_change(Response(status_code=204), session)

        return await run_write(work)

    if "citations" in kind.shape.model_fields:
        add_citation_route(router, kind, detail, detail_model, RecordId)


def _written(
    session: Session,
    change: Callable[[Session], None],
    detail: Detail,
    record_id: str,
    status: int = 200,
) -> Response:
    """Make the change in its own write transaction, then answer the record as stored."""
    write_transaction(session, change)
    return mark_change(record_response(detail(session, record_id), status), session)


def add_citation_route(
    router: APIRouter,
    kind: Kind,
    detail: Detail,
    detail_model: type[BaseModel],
    record_id_type: Any,
) -> None:
    """POST /{id}/citations: add one citation to a record (the rest of a record's citations
    are corrected or removed with a PATCH of its `citations` list)."""
    json_only = [Depends(accepts_json)]

    @router.post(
        f"/{{{kind.name}_id}}/citations",
        status_code=201,
        responses=WRITE_ERRORS,
        dependencies=json_only,
        response_model=detail_model,
        summary=f"Add a citation to {with_article(kind.name)}",
        operation_id=f"add_{kind.name}_citation",
        description=f"Append `{{source, quote, field}}` to the {kind.name}'s citations: the "
        "quote must be a verbatim passage of the source. Send `If-Match`. Needs a `write` key.",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": {"$ref": REF + "CitationIn"}}},
            }
        },
    )
    async def add_citation(
        session: SessionDep,
        record_id: record_id_type,
        key: WriteKey,
        body: WriteBody,
        if_match: IfMatch = None,
    ) -> Response:
        def change(s: Session) -> None:
            _claim(s, kind, detail, record_id, if_match)
            citations = service.current(s, kind, record_id).model_dump(mode="json")
            patch = {"citations": [*citations["citations"], body]}
            service.update(s, kind, record_id, patch, key.name)

        return await run_write(lambda: _written(session, change, detail, record_id, 201))

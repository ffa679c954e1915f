"""The audit log as a feed, each record's history, and API key management."""

from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Depends, Path, Request, Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from app.api.auth import AdminBody, AdminKey
from app.api.deps import SessionDep, answer, each, paged, run_read, run_write
from app.api.formats import accepts_json
from app.api.query_models import query_model
from app.api.responses import JSONBytes, plain
from app.api.v1.common import with_article
from app.api.v1.exports import Export, add_export_routes
from app.curation import keys
from app.db import write_transaction
from app.errors import Conflict, InvalidRecord, NotFound, plain_message
from app.queries import changes as queries
from app.queries.common import PageResult, capped_count
from app.schemas.changes import (
    KEY_NAME,
    Change,
    ChangeFilters,
    ChangeQuery,
    HistoryFilters,
    KeyCreated,
    KeyIn,
    KeyOut,
)
from app.schemas.common import AUTH_RESPONSES, PROBLEM_RESPONSES, Page, problem_responses

router = APIRouter(responses=PROBLEM_RESPONSES)
JSON_ONLY = [Depends(accepts_json)]
KEY_ERRORS = {**AUTH_RESPONSES, **problem_responses((409, "A key with that name exists"))}


FEED_BYTES = 1_000_000
"""A feed page stops adding changes once their JSON passes this many bytes (a large record
changed many times would otherwise make a page of tens of megabytes); `next_cursor` then
says where to go on. A page always holds at least one change."""


def feed_page(
    session: Session,
    limit: int,
    after: int,
    record_type: str | None = None,
    record_id: str | None = None,
) -> tuple[PageResult, list[dict[str, Any]]]:
    """The changes after `after`, a page of at most `limit` and about FEED_BYTES of JSON,
    oldest first: `total` counts the changes after `after` (to 10,000), `next_cursor` is the
    last change's id while more remain."""
    total = capped_count(session, queries.changes_since(after, record_type, record_id))
    rows = queries.changes_after(session, after, limit + 1, record_type, record_id)
    items: list[dict[str, Any]] = []
    size, more = 0, False
    for row in rows:
        item = Change.model_validate(row).model_dump(mode="json")
        size += len(orjson.dumps(item))
        if len(items) == limit or (items and size > FEED_BYTES):
            more = True
            break
        items.append(item)
    return PageResult.counted(items, total, str(items[-1]["id"]) if more else None), items


async def answer_feed(
    request: Request,
    session: Session,
    limit: int,
    after: int,
    cursor_parameter: str,
    record_type: str | None = None,
    record_id: str | None = None,
) -> Response:
    """A feed page as every list's envelope, with a `Link: next` that repeats the request with
    `cursor_parameter` set to its `next_cursor`."""
    page, items = await run_read(
        request,
        session,
        lambda s: feed_page(s, limit, after, record_type, record_id),
        bounded=False,
    )
    return paged(request, page, items, limit=limit, offset=0, cursor_parameter=cursor_parameter)


@router.get(
    "/changes",
    summary="Every write, in order (a feed for mirrors)",
    tags=["changes"],
    operation_id="list_changes",
    response_model=Page[Change],
    dependencies=JSON_ONLY,
)
async def list_changes(
    request: Request,
    session: SessionDep,
    filters: Annotated[ChangeFilters, query_model(ChangeFilters)],
) -> Response:
    """Creates, updates and deletes in the order they happened, with the record before and
    after; a delete is a tombstone (`after: null`). Keep the last `id` and ask again with
    `since=` it (or follow `Link: rel="next"`): replaying the feed in order rebuilds the same
    data. A page holds at most `limit` changes and stops early past about 1 MB of JSON;
    `next_cursor` is set whenever more remain."""
    return await answer_feed(
        request, session, filters.limit, filters.since, "since", filters.record_type
    )


def add_history_route(router: APIRouter, record_type: str, record_id_type: Any) -> None:
    """GET /{plural}/{<record_type>_id}/history on the resource's own router, so it sits
    between the record's detail and its writes in the docs: that record's changes, oldest
    first, paged."""

    async def history(
        request: Request,
        record_id: record_id_type,
        session: SessionDep,
        filters: Annotated[HistoryFilters, query_model(HistoryFilters)],
    ) -> Response:
        return await answer_feed(
            request, session, filters.limit, filters.cursor or 0, "cursor", record_type, record_id
        )

    router.add_api_route(
        f"/{{{record_type}_id}}/history",
        history,
        methods=["GET"],
        summary=f"{with_article(record_type).capitalize()}'s history",
        description=f"Every change to the {record_type}, oldest first, with "
        "who made it and the record before and after (also after a delete). Paged like every "
        'list: `limit`, then `cursor` from `next_cursor` or the `Link: rel="next"` header '
        "(a page also stops early past about 1 MB of JSON).",
        operation_id=f"get_{record_type}_history",
        response_model=Page[Change],
        dependencies=JSON_ONLY,
    )


EXPORT = Export(
    name="changes",
    path="/changes",
    noun="changes",
    filters=ChangeQuery,
    batches=queries.iter_changes,
    records=each(lambda row: Change.model_validate(row).model_dump(mode="json")),
    csv_columns=["id", "at", "actor", "action", "record_type", "record_id", "before", "after"],
)
add_export_routes(router, EXPORT, tags=["changes"])


@router.get(
    "/keys",
    summary="List API keys",
    tags=["keys"],
    responses=KEY_ERRORS,
    operation_id="list_keys",
    response_model=list[KeyOut],
    dependencies=JSON_ONLY,
)
async def list_keys(request: Request, _key: AdminKey, session: SessionDep) -> Response:
    """Every key's name, scope, prefix and dates (never the secret). Needs an `admin` key."""
    return await answer(
        request, session, lambda s: [plain(KeyOut.model_validate(k)) for k in keys.list_keys(s)]
    )


@router.post(
    "/keys",
    summary="Create an API key",
    operation_id="create_key",
    response_model=KeyCreated,
    dependencies=JSON_ONLY,
    status_code=201,
    tags=["keys"],
    responses=KEY_ERRORS,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/KeyIn"}}},
        }
    },
)
async def create_key(body: AdminBody, session: SessionDep) -> Response:
    """A new key; its secret is in this response only. Needs an `admin` key."""
    try:
        wanted = KeyIn.model_validate(body)
    except ValidationError as exc:
        raise InvalidRecord(
            [(".".join(map(str, e["loc"])) or "-", plain_message(e)) for e in exc.errors()]
        ) from None

    def work() -> KeyCreated:
        try:
            key, secret = write_transaction(
                session, lambda s: keys.create_key(s, wanted.name, wanted.scope)
            )
        except keys.KeyError_ as exc:
            raise Conflict(str(exc)) from None
        return KeyCreated.model_validate({**KeyOut.model_validate(key).model_dump(), "key": secret})

    return JSONBytes(await run_write(work), status_code=201)


@router.delete(
    "/keys/{name}",
    summary="Revoke an API key",
    tags=["keys"],
    responses=KEY_ERRORS,
    operation_id="revoke_key",
    response_model=KeyOut,
    dependencies=JSON_ONLY,
)
async def revoke_key(
    name: Annotated[
        str,
        Path(max_length=100, pattern=KEY_NAME, examples=["curator"], description="The key's name."),
    ],
    _key: AdminKey,
    session: SessionDep,
) -> Response:
    """Revoke a key at once; it is kept, marked revoked. Needs an `admin` key."""

    def work() -> KeyOut:
        try:
            key = write_transaction(session, lambda s: keys.revoke_key(s, name))
        except keys.KeyError_ as exc:
            raise NotFound(str(exc)) from None
        return KeyOut.model_validate(key)

    return JSONBytes(await run_write(work))

"""The audit log as a feed, each record's history, and API key management."""

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import ValidationError

from app.api.auth import AdminBody, AdminKey
from app.api.deps import SessionDep
from app.curation import keys, service
from app.errors import Conflict, InvalidRecord, NotFound
from app.schemas.changes import ChangeFilters, ChangeOut, KeyCreated, KeyIn, KeyOut
from app.schemas.common import AUTH_RESPONSES, PROBLEM_RESPONSES, Page, problem_responses

router = APIRouter(responses=PROBLEM_RESPONSES)
KEY_ERRORS = {**AUTH_RESPONSES, **problem_responses((409, "A key with that name exists"))}


@router.get("/changes", summary="Every write, in order (a feed for mirrors)", tags=["changes"])
def list_changes(
    request: Request,
    response: Response,
    session: SessionDep,
    filters: Annotated[ChangeFilters, Query()],
) -> Page[ChangeOut]:
    """Creates, updates and deletes in the order they happened, with the record before and
    after; a delete is a tombstone (`after: null`). Keep the last `id` and ask again with
    `since=` it: replaying the feed in order rebuilds the same data."""
    rows = service.changes_since(session, filters.since, filters.limit + 1, filters.record_type)
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    next_cursor = str(rows[-1].id) if more else None
    if next_cursor:
        query = [(k, v) for k, v in request.query_params.multi_items() if k != "since"]
        url = request.url.include_query_params(**dict(query), since=next_cursor)
        response.headers["Link"] = f'<{url}>; rel="next"'
    return Page[ChangeOut](
        items=[ChangeOut.model_validate(r) for r in rows],
        total=len(rows),
        limit=filters.limit,
        offset=0,
        next_cursor=next_cursor,
    )


def history_route(record_type: str, plural: str, example: str):  # type: ignore[no-untyped-def]
    """GET /{plural}/{id}/history: that record's changes, oldest first."""

    def history(
        record_id: Annotated[
            str, Path(max_length=160, examples=[example], description=f"The {record_type}'s id.")
        ],
        session: SessionDep,
    ) -> list[ChangeOut]:
        rows = service.changes_since(session, 0, 10_000, record_type, record_id)
        return [ChangeOut.model_validate(r) for r in rows]

    router.add_api_route(
        f"/{plural}/{{record_id}}/history",
        history,
        methods=["GET"],
        summary=f"A {record_type}'s history",
        tags=[plural],
        description=f"Every change to the {record_type}, oldest first, with "
        "who made it and the record before and after (also after a delete).",
        operation_id=f"history_{record_type}",
    )


for _type, _plural, _example in (
    ("agreement", "agreements", "mou-energy-vn-az-2025"),
    ("visit", "visits", "state-visit-to-lam-azerbaijan-2025"),
    ("signatory", "signatories", "petrovietnam"),
    ("sector", "sectors", "energy"),
    ("source", "sources", "vns-baku-signing-ceremony-2025"),
):
    history_route(_type, _plural, _example)


@router.get("/keys", summary="List API keys", tags=["keys"], responses=KEY_ERRORS)
def list_keys(_key: AdminKey, session: SessionDep) -> list[KeyOut]:
    """Every key's name, scope, prefix and dates (never the secret). Needs an `admin` key."""
    return [KeyOut.model_validate(k) for k in keys.list_keys(session)]


@router.post(
    "/keys",
    summary="Create an API key",
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
def create_key(body: AdminBody, session: SessionDep) -> KeyCreated:
    """A new key; its secret is in this response only. Needs an `admin` key."""
    try:
        wanted = KeyIn.model_validate(body)
    except ValidationError as exc:
        raise InvalidRecord(
            [(".".join(map(str, e["loc"])) or "-", e["msg"]) for e in exc.errors()]
        ) from None
    try:
        key, secret = keys.create_key(session, wanted.name, wanted.scope)
    except keys.KeyError_ as exc:
        raise Conflict(str(exc)) from None
    session.commit()
    return KeyCreated.model_validate({**KeyOut.model_validate(key).model_dump(), "key": secret})


@router.delete("/keys/{name}", summary="Revoke an API key", tags=["keys"], responses=KEY_ERRORS)
def revoke_key(
    name: Annotated[str, Path(max_length=100, examples=["curator"], description="The key's name.")],
    _key: AdminKey,
    session: SessionDep,
) -> KeyOut:
    """Revoke a key at once; it is kept, marked revoked. Needs an `admin` key."""
    try:
        key = keys.revoke_key(session, name)
    except keys.KeyError_ as exc:
        raise NotFound(str(exc)) from None
    session.commit()
    return KeyOut.model_validate(key)

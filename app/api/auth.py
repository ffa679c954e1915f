"""API keys on requests: `Authorization: Bearer <key>` or `X-API-Key: <key>`.

Reads are public. A write needs a `write` key, deletes and key management an `admin` key.
The key is checked before the body is even read, so a client without the right key gets
401/403, never a 422 about its body, and sends nothing more. The key check's read
transaction ends before the body is read: a client trickling its body holds no connection
and no lock (the write transaction begins only once the body is in; see
`app.db.write_transaction`), nor an admission slot (see `app.middleware.admission`).
"""

from collections.abc import Callable
from functools import cache
from typing import Annotated, Any

import orjson
from fastapi import Depends, Request
from sqlalchemy.orm import Session

from app.api.deps import falling_back, get_session
from app.api.formats import JSON, MERGE_PATCH
from app.curation.keys import allows, find_key
from app.errors import Forbidden, InvalidRecord, Unauthorized, UnsupportedMediaType
from app.models import ApiKey
from app.vocabulary import Scope


def presented_key(request: Request) -> str | None:
    authorization = request.headers.get("authorization", "")
    if authorization[:7].lower() == "bearer ":
        return authorization[7:].strip() or None
    return request.headers.get("x-api-key") or None


@cache
def require(scope: Scope) -> Callable[..., ApiKey]:
    """The dependency checking for a key of `scope` (one per scope, so FastAPI runs it once
    per request however many parameters need it)."""

    def dependency(request: Request, session: Annotated[Session, Depends(get_session)]) -> ApiKey:
        secret = presented_key(request)
        if secret is None:
            raise Unauthorized(
                "This operation needs an API key (Authorization: Bearer <key> or X-API-Key)."
            )
        key = falling_back(request, session, lambda s: find_key(s, secret))
        session.commit()  # give the connection back while the body is read
        if key is None:
            raise Unauthorized("The API key is unknown or revoked.")
        if not allows(key, scope):
            raise Forbidden(
                f"This operation needs a key with the {scope!r} scope; this key has {key.scope!r}."
            )
        return key

    return dependency


WriteKey = Annotated[ApiKey, Depends(require("write"))]
AdminKey = Annotated[ApiKey, Depends(require("admin"))]
JSON_TYPES = (JSON, MERGE_PATCH)


@cache
def json_body(scope: Scope) -> Callable[..., Any]:
    """The parsed JSON body, read only after the key has been checked."""

    async def dependency(request: Request, _key: Annotated[ApiKey, Depends(require(scope))]) -> Any:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type not in JSON_TYPES:
            raise UnsupportedMediaType(f"Send the body as one of {', '.join(JSON_TYPES)}.")
        try:
            return orjson.loads(await request.body())
        except orjson.JSONDecodeError as exc:
            raise InvalidRecord([("-", f"the body is not valid JSON: {exc}")]) from None

    return dependency


WriteBody = Annotated[Any, Depends(json_body("write"))]
AdminBody = Annotated[Any, Depends(json_body("admin"))]

"""The pages' one stylesheet, under a name that changes with its content (so a year's cache
is safe)."""

from fastapi import APIRouter, Response

from app.errors import NotFound
from app.pages.render import stylesheet

router = APIRouter(include_in_schema=False)
YEAR = 365 * 24 * 3600


@router.get("/static/{name}")
async def static_file(name: str) -> Response:
    body, path = stylesheet()
    if f"/static/{name}" != path:
        raise NotFound(f"no file {name!r}")
    return Response(
        body,
        media_type="text/css",
        headers={"Cache-Control": f"public, max-age={YEAR}, immutable"},
    )

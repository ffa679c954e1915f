"""Rendering pages: one Jinja2 environment (autoescaped), the stylesheet, the security policy
every page carries, and the error page a reader gets instead of a problem document."""

import hashlib
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from sqlalchemy.orm import Session

from app.api.deps import run_read
from app.errors import ApiError
from app.pages.timeline import svg_number
from app.schemas.common import citation_id

HERE = Path(__file__).parent
STYLESHEET = HERE / "static" / "pages.css"
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)
"""Nothing from another origin, no script at all, no inline style: the pages need none."""


@cache
def stylesheet() -> tuple[bytes, str]:
    """The stylesheet and its path, named by its content's hash so it can be cached for a
    year: a changed stylesheet has a new name."""
    body = STYLESHEET.read_bytes()
    return body, f"/static/pages.{hashlib.sha256(body).hexdigest()[:12]}.css"


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["stylesheet"] = stylesheet()[1]
    env.filters["num"] = svg_number
    env.filters["anchor"] = citation_anchor
    return env


def citation_anchor(citation: Any) -> str:
    """The id of a citation's passage on its source's page: the API's id of the citation
    (`citation-<16 hex digits>`), from its stored row."""
    parts = (citation.record_type, citation.record_id, citation.field)
    return f"citation-{citation_id(*parts, citation.source_id, citation.quote)}"


def render(template: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    body = environment().get_template(template).render(**context)
    return HTMLResponse(
        body,
        status_code=status,
        headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY, "Vary": "Accept"},
    )


def error_page(status: int, title: str, detail: str, parameter: str | None = None) -> HTMLResponse:
    return render(
        "error.html",
        {
            "title": title,
            "status": status,
            "detail": detail,
            "parameter": parameter,
            "json_href": None,
        },
        status,
    )


async def page(
    request: Request,
    session: Session,
    template: str,
    build: Callable[[Session], dict[str, Any]],
    *,
    bounded: bool = True,
) -> Response:
    """The page `template` shows what `build` reads, in one worker-thread hop as the API's
    reads are (in the lane of `bounded` reads, a record by id, or of the others, as the API's
    JSON of the same page); a client's error (unknown id, bad filter) is an HTML page with
    its status."""
    try:
        context = await run_read(request, session, build, bounded=bounded)
    except ApiError as exc:
        return error_page(exc.status, exc.title, exc.detail, exc.parameter)
    except RequestValidationError as exc:
        return invalid_query(exc)
    return render(template, context)


def invalid_query(exc: RequestValidationError) -> HTMLResponse:
    """A 422 page naming each parameter that was wrong, as the problem document would."""
    problems = [
        f"{'.'.join(str(part) for part in error['loc'][1:]) or 'query'}: {error['msg']}"
        for error in exc.errors()
    ]
    first = exc.errors()[0]["loc"][1:] if exc.errors() else ()
    return error_page(
        422,
        "Invalid parameter",
        "; ".join(problems),
        str(first[0]) if first else None,
    )

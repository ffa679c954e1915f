"""A page for every problem `type` the API sends: `/problems/<slug>` explains what went wrong
and what to do, as HTML for a browser and JSON otherwise (and `/problems` lists them)."""

import base64
import hashlib
from html import escape
from typing import Annotated, NamedTuple

from fastapi import APIRouter, Path, Request, Response
from fastapi.responses import HTMLResponse

from app.api.formats import JSON, require_acceptable
from app.api.responses import JSONBytes
from app.errors import NotFound

HTML = "text/html"


class ProblemType(NamedTuple):
    status: int
    title: str
    explanation: str


PROBLEM_TYPES = {
    "bad-request": ProblemType(400, "Bad request", "The request could not be understood."),
    "unauthorized": ProblemType(
        401,
        "Unauthorized",
        "The operation needs an API key and none was sent, or the key is unknown or revoked. "
        "Send it as `Authorization: Bearer <key>` or `X-API-Key: <key>`; curators get keys "
        "from an administrator (`treaty-api keys create`).",
    ),
    "forbidden": ProblemType(
        403,
        "Forbidden",
        "The key is valid but its scope does not allow this operation: creating and "
        "correcting records needs a `write` key, deleting records and managing keys an "
        "`admin` key.",
    ),
    "not-found": ProblemType(
        404,
        "Not found",
        "No record has that id (or no route has that path). Ids are readable slugs such as "
        "`mou-energy-vn-az-2025`; list the resource to find them.",
    ),
    "method-not-allowed": ProblemType(
        405,
        "Method not allowed",
        "The path exists but does not answer this HTTP method; the `Allow` header lists "
        "those it does.",
    ),
    "not-acceptable": ProblemType(
        406,
        "Not acceptable",
        "The `Accept` header allows none of the media types this resource is available in "
        "(JSON for records and pages; CSV or NDJSON for downloads). Accept "
        "`application/json`, or send no Accept header.",
    ),
    "conflict": ProblemType(
        409,
        "Conflict",
        "The write conflicts with stored data: the id is taken, or other records point at "
        "the record you are deleting (remove those links first).",
    ),
    "precondition-failed": ProblemType(
        412,
        "Precondition failed",
        "The record changed since you read it: `If-Match` does not name its current ETag. "
        "GET it again, re-apply your change and retry. Weak ETags (`W/...`) and `*` never "
        "match, since they do not prove which version you read.",
    ),
    "request-timeout": ProblemType(
        408,
        "Request timeout",
        "The request body did not arrive within the time the server allows once it starts "
        "reading it (10 seconds unless configured). Send the body along with the request; "
        "retry on a new connection.",
    ),
    "payload-too-large": ProblemType(
        413, "Payload too large", "The request body is larger than the server accepts."
    ),
    "unsupported-media-type": ProblemType(
        415,
        "Unsupported media type",
        "Send the body as `application/json` (or `application/merge-patch+json` for PATCH).",
    ),
    "invalid-parameter": ProblemType(
        422,
        "Invalid parameter",
        "A query, path or header parameter is malformed, out of range, or names a record "
        "that does not exist. Each item of `errors` names the `parameter`, its `location` "
        "and what is wrong; the spec (`/openapi.json`) gives every parameter's pattern, "
        "bounds and an example.",
    ),
    "invalid-record": ProblemType(
        422,
        "Invalid record",
        "A record sent for writing breaks a rule: a missing or malformed field, a quote that "
        "is not verbatim in its source, an id it mentions that does not exist. Each item of "
        "`errors` names the field (`citations.0.quote`).",
    ),
    "precondition-required": ProblemType(
        428,
        "Precondition required",
        "Writes to an existing record need `If-Match` with the record's ETag from a GET, so "
        "that no one else's change is overwritten unseen.",
    ),
    "rate-limited": ProblemType(
        429,
        "Too many requests",
        "The client sent more requests than its limit allows; wait the number of seconds in "
        "`Retry-After`, then retry. A key gets a higher limit than an anonymous client.",
    ),
    "internal-error": ProblemType(
        500,
        "Internal server error",
        "The server failed to answer; nothing about the failure is exposed. Retrying may "
        "help; if it persists, report the request.",
    ),
    "service-unavailable": ProblemType(
        503,
        "Service unavailable",
        "The server runs but cannot serve this now: it is at capacity, or its database is "
        "busy with another write, cannot be reached, did not answer in time, ran the query "
        "past its statement timeout, or cannot write (its disk is full, it is read-only); "
        "`detail` says which. Nothing was written. Retry after the seconds in `Retry-After`.",
    ),
}

router = APIRouter(prefix="/problems", include_in_schema=False)


@router.get("", response_model=None)
async def list_problem_types(request: Request) -> Response:
    types = {slug: problem._asdict() for slug, problem in PROBLEM_TYPES.items()}
    if require_acceptable(request, [JSON, HTML]) == JSON:
        return JSONBytes([{"type": f"/problems/{slug}", **data} for slug, data in types.items()])
    items = "".join(
        f'<li><a href="/problems/{slug}">{p.status} {escape(p.title)}</a></li>'
        for slug, p in PROBLEM_TYPES.items()
    )
    return _page("Problem types", f"<p>Every error is {_PROBLEM_JSON}.</p><ul>{items}</ul>")


@router.get("/{slug}", response_model=None)
async def get_problem_type(request: Request, slug: Annotated[str, Path(max_length=40)]) -> Response:
    problem = PROBLEM_TYPES.get(slug)
    if problem is None:
        raise NotFound(f"no problem type {slug!r}; see /problems")
    if require_acceptable(request, [JSON, HTML]) == JSON:
        return JSONBytes({"type": f"/problems/{slug}", **problem._asdict()})
    return _page(
        f"{problem.status} {problem.title}",
        f"<p>{_markup(problem.explanation)}</p><p>Every error is {_PROBLEM_JSON}.</p>"
        '<p><a href="/problems">All problem types</a> · <a href="/docs">API docs</a></p>',
    )


_PROBLEM_JSON = (
    "an RFC 9457 <code>application/problem+json</code> document with <code>type</code> "
    "(the path of its page here), <code>title</code>, <code>status</code>, "
    "<code>detail</code> and, for 422s, <code>errors</code>"
)


def _markup(text: str) -> str:
    """`code` spans of the explanation as <code>."""
    parts = escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


_STYLE = "body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem}"
_STYLE_HASH = base64.b64encode(hashlib.sha256(_STYLE.encode()).digest()).decode()
CONTENT_SECURITY_POLICY = (
    f"default-src 'none'; style-src 'sha256-{_STYLE_HASH}'; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'"
)
"""No script, nothing from elsewhere; the one inline style allowed by its hash."""


def _page(title: str, body: str) -> HTMLResponse:
    return HTMLResponse(
        f"""<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{escape(title)} — treaty-api</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{_STYLE}</style></head><body><h1>{escape(title)}</h1>{body}</body></html>""",
        headers={"Content-Security-Policy": CONTENT_SECURITY_POLICY},
    )

"""Each request's id (`X-Request-ID`: the client's when sane, else a new one): set by the
outermost middleware, it goes back on the response and into every log line and every problem
body."""

import itertools
import os
import re
import secrets
from contextvars import ContextVar

from starlette.datastructures import Headers

REQUEST_ID_HEADER = "X-Request-ID"
# Bounded and safe to echo into headers, logs and JSON: a trace id of any common system fits.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_request_id: ContextVar[str | None] = ContextVar("request_id", default=None)


def set_request_id(request_id: str) -> None:
    """Make `request_id` the current one; not reset after the response, so that Starlette's
    last-resort 500 handler, outside every middleware, still reads it."""
    _request_id.set(request_id)


def current_request_id() -> str | None:
    """The id of the request being handled in this context, if any."""
    return _request_id.get()


def request_id_from(headers: Headers) -> str:
    given = headers.get("x-request-id", "")
    return given if _SANE_REQUEST_ID.fullmatch(given) else new_request_id()


_PROCESS_ID = secrets.token_hex(8)
_SEQUENCE = itertools.count()


def _new_process() -> None:
    global _PROCESS_ID
    _PROCESS_ID = secrets.token_hex(8)


os.register_at_fork(after_in_child=_new_process)  # a forked worker draws its own bits


def new_request_id() -> str:
    """32 hex digits, unique across processes: 64 random bits drawn once per process, then
    this process's request count. Cheaper than a uuid4 per request, which asks the kernel
    for randomness each time (a system call, and a turn at the GIL, on the event loop)."""
    return f"{_PROCESS_ID}{next(_SEQUENCE) & 0xFFFFFFFFFFFFFFFF:016x}"

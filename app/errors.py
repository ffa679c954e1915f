"""RFC 9457 problem details for every error the API returns."""

import logging
from difflib import get_close_matches
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from sqlalchemy.exc import TimeoutError as SQLAlchemyTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from app.request_id import current_request_id
from app.schemas.common import PATTERN_MESSAGES

PROBLEM_JSON = "application/problem+json"
logger = logging.getLogger("app.errors")


class ApiError(Exception):
    """An error a client caused; rendered as problem+json with this status and title."""

    status: int = 400
    title: str = "Bad request"
    slug: str = "bad-request"

    headers: ClassVar[dict[str, str] | None] = None

    def __init__(
        self,
        detail: str,
        *,
        parameter: str | None = None,
        location: str = "query",
        errors: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.parameter = parameter
        self.location = location
        self.errors = errors


class NotFound(ApiError):
    status, title, slug = 404, "Not found", "not-found"


class ServiceUnavailable(ApiError):
    status, title, slug = 503, "Service unavailable", "service-unavailable"


class Busy(ServiceUnavailable):
    """The database is busy (a writer lock, conflicting writes): retry after a moment."""

    headers: ClassVar[dict[str, str]] = {"Retry-After": "1"}


class InvalidParameter(ApiError):
    status, title, slug = 422, "Invalid parameter", "invalid-parameter"


class InvalidRecord(ApiError):
    """A written record breaks a rule; `errors` names each field (`citations.0.quote`)."""

    status, title, slug = 422, "Invalid record", "invalid-record"

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        errors = [
            {"parameter": field, "location": "body", "message": message}
            for field, message in problems
        ]
        super().__init__("; ".join(f"{f}: {m}" for f, m in problems), errors=errors)


class Unauthorized(ApiError):
    status, title, slug = 401, "Unauthorized", "unauthorized"
    headers: ClassVar[dict[str, str]] = {"WWW-Authenticate": 'Bearer realm="treaty-api"'}


class Forbidden(ApiError):
    status, title, slug = 403, "Forbidden", "forbidden"


class Conflict(ApiError):
    status, title, slug = 409, "Conflict", "conflict"


class PreconditionFailed(ApiError):
    status, title, slug = 412, "Precondition failed", "precondition-failed"


class PreconditionRequired(ApiError):
    status, title, slug = 428, "Precondition required", "precondition-required"


class NotAcceptable(ApiError):
    status, title, slug = 406, "Not acceptable", "not-acceptable"


class RequestTimeout(ApiError):
    """The request body did not arrive in time; the connection is closed after the answer,
    since the rest of the body may still come."""

    status, title, slug = 408, "Request timeout", "request-timeout"
    headers: ClassVar[dict[str, str]] = {"Connection": "close"}


class UnsupportedMediaType(ApiError):
    status, title, slug = 415, "Unsupported media type", "unsupported-media-type"


def problem(status: int, title: str, detail: str, slug: str, **extra: Any) -> JSONResponse:
    extra["request_id"] = current_request_id()
    body = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        **{k: v for k, v in extra.items() if v is not None},
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    errors = exc.errors or (
        [{"parameter": exc.parameter, "location": exc.location, "message": exc.detail}]
        if exc.parameter
        else None
    )
    response = problem(exc.status, exc.title, exc.detail, exc.slug, errors=errors)
    response.headers.update(exc.headers or {})
    return response


def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = []
    for err in exc.errors():
        loc = [str(part) for part in err.get("loc", ())]
        location = loc[0] if loc and loc[0] in LOCATIONS else "request"
        name = ".".join(loc[1:]) if len(loc) > 1 else location
        if location in ("query", "path", "header") and len(loc) > 2:
            name = loc[1]  # `country`, not `country.0`: the parameter as the client names it
        message = plain_message(err)
        if err.get("type") == "extra_forbidden" and location == "query":
            message += did_you_mean(name, query_parameters(request))
        errors.append({"parameter": name, "location": location, "message": message})
    detail = "; ".join(f"{e['parameter']}: {e['message']}" for e in errors)
    return problem(422, "Invalid parameter", detail, "invalid-parameter", errors=errors)


def query_parameters(request: Request) -> list[str]:
    """The query parameters of the operation `request` reached, as its spec lists them."""
    route = request.scope.get("route")
    operation = getattr(route, "operation_id", None) or getattr(route, "unique_id", "")
    return _query_parameters_by_operation(request.app).get(operation, [])


def _query_parameters_by_operation(app: FastAPI) -> dict[str, list[str]]:
    if getattr(app.state, "query_parameters", None) is None:
        app.state.query_parameters = {
            operation["operationId"]: [
                p["name"] for p in operation.get("parameters", []) if p.get("in") == "query"
            ]
            for path in app.openapi()["paths"].values()
            for operation in path.values()
            if isinstance(operation, dict) and "operationId" in operation
        }
    return app.state.query_parameters


def did_you_mean(name: str, known: list[str]) -> str:
    """`; did you mean `country`?` when a known name is close to `name` (a typo), else ''."""
    match = get_close_matches(name, known, n=1, cutoff=0.75)
    return f"; did you mean `{match[0]}`?" if match else ""


HTTP_PROBLEMS = {
    400: ("Bad request", "bad-request"),
    404: ("Not found", "not-found"),
    405: ("Method not allowed", "method-not-allowed"),
    406: ("Not acceptable", "not-acceptable"),
}


LOCATIONS = ("query", "path", "header", "body")


def plain_message(error: Any) -> str:
    """A validation error in plain words, without pydantic's phrasing or internals."""
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    if kind == "string_pattern_mismatch":
        return PATTERN_MESSAGES.get(ctx.get("pattern", ""), "does not have the expected shape")
    if kind in ("enum", "literal_error"):
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"must be one of: {expected.replace(' or ', ', ')}"
    messages = {
        "missing": "is required",
        "extra_forbidden": "is not a parameter of this operation",
        "int_parsing": "must be a whole number",
        "int_from_float": "must be a whole number",
        "bool_parsing": "must be true or false",
        "string_unicode": "must be valid UTF-8 text",
        "greater_than_equal": "must be at least {ge}",
        "greater_than": "must be more than {gt}",
        "less_than_equal": "must be at most {le}",
        "less_than": "must be less than {lt}",
        "string_too_short": "must be at least {min_length} characters long",
        "string_too_long": "must be at most {max_length} characters long",
        "too_short": "must be given at least {min_length} time(s)",
        "too_long": "can be given at most {max_length} times",
    }
    if kind in messages:
        return messages[kind].format(**ctx)
    if kind == "value_error":
        return str(ctx.get("error", error.get("msg", "")))
    return str(error.get("msg", "is invalid")).removeprefix("Value error, ")


def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    title, slug = HTTP_PROBLEMS.get(exc.status_code, HTTP_PROBLEMS[400])
    response = problem(exc.status_code, title, str(exc.detail), slug)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    if exc.status_code == 405:
        response.headers["Allow"] = ", ".join(allowed_methods(request))
    return response


def allowed_methods(request: Request) -> list[str]:
    """Every method some route answers at this path, HEAD wherever GET is. (A path's GET
    and its POST are separate routes, and Starlette's 405 names only the first one's.)"""
    methods = {
        method
        for method in ("DELETE", "GET", "PATCH", "POST", "PUT")
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in request.app.router.routes
        )
    }
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


def _database_refused(_request: Request, exc: Exception) -> JSONResponse:
    """A write the database refused although validation passed (a constraint this code does
    not check up front): the client's data conflicts, and the transaction is rolled back."""
    logger.warning("database refused a write: %s", exc)
    if isinstance(exc, IntegrityError):
        return problem(
            409, "Conflict", "The data conflicts with records already stored.", "conflict"
        )
    return problem(
        422,
        "Invalid record",
        "A value does not fit the database (too long or out of range).",
        "invalid-record",
    )


def internal_error() -> JSONResponse:
    """The generic 500 problem: the traceback stays in the server log."""
    return problem(
        500, "Internal server error", "The server failed to answer this request.", "internal-error"
    )


def busy() -> JSONResponse:
    """503 with Retry-After: the database is busy (a write lock, a full pool) right now."""
    response = problem(
        503,
        "Service unavailable",
        "The database is busy; retry after the delay in Retry-After.",
        "service-unavailable",
    )
    response.headers["Retry-After"] = "1"
    return response


def is_busy(exc: BaseException) -> bool:
    """SQLite's `database is locked` (another writer held the lock past the busy timeout) or
    a connection pool with no connection to spare within its timeout."""
    if isinstance(exc, SQLAlchemyTimeoutError):
        return True
    message = str(getattr(exc, "orig", exc)).lower()
    return isinstance(exc, OperationalError) and (
        "database is locked" in message or "database is busy" in message
    )


def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    """Log the traceback server-side; the client gets a generic problem, never the trace.

    Most unexpected errors are answered by the outermost middleware
    (`app.middleware.outermost`); this is the last resort outside it."""
    logger.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return internal_error()


# Why a database could not answer, in words a client can act on (see `unavailable`).
TIMED_OUT = "The database did not answer in time"
STATEMENT_TIMEOUT = "The query ran past the database's statement timeout"
UNREACHABLE = "The database cannot be reached"
DISK_FULL = "The database's disk is full: nothing was written"
READ_ONLY = "The database is read-only: nothing was written"
DISK_ERROR = "The database could not read or write its disk"
# SQLite's primary result codes (the low byte of an extended code).
_SQLITE_CODES = {8: READ_ONLY, 10: DISK_ERROR, 13: DISK_FULL, 14: UNREACHABLE}
# PostgreSQL's SQLSTATEs, then their classes: query_canceled (the statement timeout),
# read_only_sql_transaction (a standby), disk_full; connection exceptions, operator
# intervention (shutdown, starting up), insufficient resources.
_POSTGRES_STATES = {"57014": STATEMENT_TIMEOUT, "25006": READ_ONLY, "53100": DISK_FULL}
_POSTGRES_CLASSES = {"08": UNREACHABLE, "57": UNREACHABLE, "53": UNREACHABLE}
DATABASE_RETRY_SECONDS = 5


def unavailable(exc: BaseException) -> str | None:
    """Why the database could not serve a request, when it is the database's state and not
    the request (gone, frozen, too slow, out of disk, read-only); None otherwise. `exc` is
    SQLAlchemy's error or the driver's own.

    The errors `exc` was raised while handling count too: SQLite rolls the whole transaction
    back on SQLITE_FULL, so releasing a savepoint then fails with "no such savepoint", and
    that is the error that reaches the handler."""
    seen: BaseException | None = exc
    for _ in range(_CHAIN_DEPTH):
        if seen is None:
            break
        reason = _reason(seen)
        if reason is not None:
            return reason
        seen = seen.__cause__ or seen.__context__
    return None


_CHAIN_DEPTH = 4


def _reason(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", exc)
    if type(orig).__name__ == "ConnectionTimeout":  # psycopg's, see app.db.bounded
        return TIMED_OUT
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return _SQLITE_CODES.get(code & 0xFF)
    state = getattr(orig, "sqlstate", None)
    if isinstance(state, str):
        return _POSTGRES_STATES.get(state) or _POSTGRES_CLASSES.get(state[:2])
    if getattr(exc, "connection_invalidated", False) or (
        isinstance(exc, OperationalError) and type(orig).__module__.startswith("psycopg")
    ):
        return UNREACHABLE  # refused, reset, closed: psycopg gives these no SQLSTATE
    return None


def database_unavailable(reason: str) -> JSONResponse:
    """503 with Retry-After naming what happened to the database."""
    detail = f"{reason}; retry after the delay in Retry-After."
    response = problem(503, "Service unavailable", detail, "service-unavailable")
    response.headers["Retry-After"] = str(DATABASE_RETRY_SECONDS)
    return response


def _database_error(request: Request, exc: Exception) -> JSONResponse:
    if is_busy(exc):
        logger.warning("database busy on %s %s: %s", request.method, request.url.path, exc)
        return busy()
    reason = unavailable(exc)
    if reason is None:
        raise exc
    # The driver's message only: SQLAlchemy's adds the statement and its parameters (a key's
    # hash, a record), which have no place in a log line about the database's state.
    cause = next(iter(str(getattr(exc, "orig", exc)).splitlines()), "")
    logger.warning("%s on %s %s: %s", reason, request.method, request.url.path, cause)
    return database_unavailable(reason)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(IntegrityError, _database_refused)
    app.add_exception_handler(DataError, _database_refused)
    app.add_exception_handler(DBAPIError, _database_error)
    app.add_exception_handler(SQLAlchemyTimeoutError, _database_error)
    app.add_exception_handler(Exception, _unexpected_error)

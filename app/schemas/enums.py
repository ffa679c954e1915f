"""Every enumeration the API shows, each defined once as a named schema component, so a
generated client has one `DatePrecision` (or `AgreementKind`) type for filters and records."""

from enum import StrEnum
from typing import Any, get_args

from pydantic import GetJsonSchemaHandler
from pydantic_core import CoreSchema

from app import vocabulary


class ApiEnum(StrEnum):
    """A string enum whose schema names its members (`x-enum-varnames`), so generators call
    `-date` `DATE_DESC` rather than `VALUE_1`."""

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> dict[str, Any]:
        schema = handler.resolve_ref_schema(handler(core_schema))
        schema["x-enum-varnames"] = [member.name for member in cls]
        return schema


def _from_vocabulary(name: str, literal: Any, doc: str) -> type[ApiEnum]:
    values = get_args(literal)
    enum = ApiEnum(name, {v.upper().replace("-", "_"): v for v in values})  # type: ignore[call-overload]
    enum.__doc__ = doc
    return enum


AgreementKind = _from_vocabulary(
    "AgreementKind", vocabulary.AgreementKind, "The kind of document an agreement is."
)
SignatoryKind = _from_vocabulary(
    "SignatoryKind", vocabulary.SignatoryKind, "What kind of body or person a signatory is."
)
StatementKind = _from_vocabulary(
    "StatementKind", vocabulary.StatementKind, "What a statement does."
)
BodyKind = _from_vocabulary(
    "BodyKind", vocabulary.BodyKind, "What kind of standing body a body is."
)
MilestoneDirection = _from_vocabulary(
    "MilestoneDirection",
    vocabulary.MilestoneDirection,
    "`mutual`: both countries' milestone; `one-way`: the first country's act toward the second.",
)
EventAction = _from_vocabulary(
    "EventAction", vocabulary.EventAction, "What a party did to an agreement."
)


class DatePrecision(ApiEnum):
    """How precise a date is: `2025` is a year, `2025-06` a month, `2025-06-15` a day."""

    YEAR = "year"
    MONTH = "month"
    DAY = "day"


class Sort(ApiEnum):
    """Sort order of a list; ties are broken by `id` in the same direction."""

    DATE = "date"
    DATE_DESC = "-date"
    TITLE = "title"
    TITLE_DESC = "-title"


class RecordKind(ApiEnum):
    """The kinds of record a search hit can be."""

    AGREEMENT = "agreement"
    VISIT = "visit"
    SIGNATORY = "signatory"
    BODY = "body"
    COUNTRY = "country"
    STATEMENT = "statement"


class TimelineKind(ApiEnum):
    """The kinds of record on a timeline."""

    AGREEMENT = "agreement"
    VISIT = "visit"
    RELATION = "relation"
    STATEMENT = "statement"


class ChangeAction(ApiEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"


class KeyScope(ApiEnum):
    """What a key may do: `read`, `write` (create and correct records) or `admin` (also
    delete records and manage keys)."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


class Include(ApiEnum):
    """What `include=` can embed in each agreement row."""

    PARTIES = "parties"
    SIGNATORIES = "signatories"
    SECTORS = "sectors"
    VISIT = "visit"
    CITATIONS = "citations"


class Facet(ApiEnum):
    """What `facets=` can count."""

    COUNTRY = "country"
    SECTOR = "sector"
    KIND = "kind"
    YEAR = "year"
    DECADE = "decade"


class VisitFacet(ApiEnum):
    """What `facets=` can count on the visits list."""

    COUNTRY = "country"
    HOST = "host"
    GUEST = "guest"
    KIND = "kind"
    YEAR = "year"


class StatementFacet(ApiEnum):
    """What `facets=` can count on the statements list."""

    COUNTRY = "country"
    SECTOR = "sector"
    KIND = "kind"
    YEAR = "year"


class MemberFacet(ApiEnum):
    """What `facets=` can count on the signatories and the bodies lists."""

    COUNTRY = "country"
    KIND = "kind"


class SourceFacet(ApiEnum):
    """What `facets=` can count on the sources list."""

    KIND = "kind"
    LANGUAGE = "language"


class ParameterLocation(ApiEnum):
    """Where a faulty parameter was sent."""

    QUERY = "query"
    PATH = "path"
    HEADER = "header"
    BODY = "body"
    REQUEST = "request"


class ProvenanceBasis(ApiEnum):
    """How a value no citation states is known: the curators' reading, or reference data."""

    INFERRED = "inferred"
    REFERENCE = "reference"


class RedisState(ApiEnum):
    """Whether the shared store answers, as `/ready` reports it."""

    OK = "ok"
    NOT_CONFIGURED = "not configured"


class CountingState(ApiEnum):
    """Whether a worker's counting index is built, as `/ready` reports it."""

    READY = "ready"
    BUILDING = "building"
    OFF = "off"


class DatabaseState(ApiEnum):
    """Whether the database answered a query, as `/health` reports it."""

    OK = "ok"
    DOWN = "down"


class ReplicaState(ApiEnum):
    """The read replica's state, as `/ready` reports it: reads go to the primary unless
    `ok`."""

    OK = "ok"
    DOWN = "down"
    LAGGING = "lagging"
    NOT_REPLAYING = "not replaying"
    NOT_CONFIGURED = "not configured"


class ReadTarget(ApiEnum):
    """The database that serves reads now, as `/ready` reports it."""

    REPLICA = "replica"
    PRIMARY = "primary"

"""Shapes shared by every resource: pages, citations, dates, problems, references."""

import hashlib
import re
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AliasChoices,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)
from typing_extensions import TypeAliasType

from app.dates import REAL_DATE as PARTIAL_DATE
from app.dates import InvalidDate, PartialDate, parse_partial_date
from app.schemas.enums import DatePrecision, ParameterLocation

T = TypeVar("T")

MAX_LIMIT = 100
SLUG = r"^[a-z0-9][a-z0-9-]{0,118}[a-z0-9]$"
"""A record id: a-z, 0-9 and '-', 2 to 120 characters (what a write accepts)."""
COUNTRY_CODE = r"^[A-Za-z][A-Za-z0-9-]{1,39}$"
"""ISO alpha-2/alpha-3/alpha-4 in any case, or a historical entity's slug."""
PLAIN_TEXT = r"^[^\x00-\x1f\x7f]*$"
"""No control characters, tab and newlines included (they are refused anywhere in a URL;
see app.middleware.admission)."""
CURSOR = r"^[A-Za-z0-9_-]+$"
TRY_IT = {"x-prefill": True}
"""`json_schema_extra` of a filter whose example fills Swagger UI's "Try it out"."""
PATTERN_MESSAGES = {
    SLUG: "must be an id: a-z, 0-9 and '-', 2 to 120 characters",
    COUNTRY_CODE: "must be a country code (VN, vnm) or a historical entity's id",
    PARTIAL_DATE: "must be a real date as YYYY, YYYY-MM or YYYY-MM-DD",
    PLAIN_TEXT: "must not contain control characters",
    CURSOR: "must be the `next_cursor` of a previous page",
}
"""Each pattern of the spec in plain words, for 422 messages."""


# Ids, codes and dates in URLs are matched whole (pydantic's patterns are anchored at the
# very end, unlike Python's `$`, which also matches before a trailing newline) and with
# ASCII classes: `[0-9]`, never `\d`, which also takes Arabic-Indic and fullwidth digits.
_DATE_SHAPE = re.compile(r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?")


class DateText(str):
    """A date parameter as sent (`2025-06`), carrying the interval it was validated as, so
    that a request parses each date once."""

    interval: PartialDate


def _partial_date(value: str) -> DateText:
    if not _DATE_SHAPE.fullmatch(value):
        raise ValueError(f"{value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    text = DateText(value)
    try:
        text.interval = parse_partial_date(value)
    except InvalidDate as exc:
        raise ValueError(str(exc)) from None
    return text


_INTEGER = re.compile(r"-?[0-9]+")


def _ascii_integer(value: Any) -> Any:
    if isinstance(value, str) and not _INTEGER.fullmatch(value):
        raise ValueError("must be a whole number written in ASCII digits (0-9)")
    return value


ASCII_DIGITS = BeforeValidator(_ascii_integer)
"""An integer query parameter is read strictly: ASCII digits (after a minus sign, which the
bounds then refuse), nothing else. Pydantic's lax mode would also take `+5`, ` 5`, `5_0`
and `5.0`, so `since=+2025` would pass for `since=2025`."""
QueryInt = Annotated[int, ASCII_DIGITS]
"""An integer query parameter (bounds given by its field). Where the field is optional, its
bounds go before `ASCII_DIGITS` (`Annotated[int, Field(ge=0), ASCII_DIGITS] | None`): after a
before-validator pydantic writes them into the spec as `ge`/`le`, which no client reads."""

DateParam = Annotated[
    str,
    Field(pattern=PARTIAL_DATE, max_length=10, json_schema_extra={"format": "partial-date"}),
    AfterValidator(_partial_date),
]
QueryText = Annotated[str, Field(min_length=1, max_length=200, pattern=PLAIN_TEXT)]


def reference(what: str, pattern: str = SLUG, max_length: int = 120) -> Any:
    """A filter naming a record (`sector=energy`): shaped like its id, and flagged with a
    `format` saying it must name an existing record (an unknown one is a 422)."""
    return Annotated[
        str,
        Field(
            min_length=2,
            max_length=max_length,
            pattern=pattern,
            json_schema_extra={"format": f"{what}-id"},
        ),
    ]


CountryParam = reference("country", COUNTRY_CODE, 40)
SectorParam = reference("sector")
SignatoryParam = reference("signatory")
VisitParam = reference("visit")
WikidataId = Annotated[str, Field(pattern=r"^Q[1-9][0-9]{0,11}$")]
ExternalIds = Annotated[
    dict[str, str],
    Field(
        description="Ids in other databases (ISO 3166 codes, Wikidata QIDs), kept as data in "
        "the seeds; nothing is fetched at run time.",
        examples=[{"iso3166_alpha3": "VNM", "wikidata": "Q881"}],
    ),
]


def date_bounds(
    date_from: str | None, date_to: str | None
) -> tuple[PartialDate | None, PartialDate | None]:
    """The intervals of two `DateParam` values (parsed when they were validated)."""
    return (
        partial_date(date_from) if date_from else None,
        partial_date(date_to) if date_to else None,
    )


def partial_date(value: str) -> PartialDate:
    """The interval of a `DateParam` value (parsed when it was validated)."""
    return value.interval if isinstance(value, DateText) else parse_partial_date(value)


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PageParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: QueryInt = Field(
        20, ge=1, le=MAX_LIMIT, description="Items per page (1–100).", examples=[20]
    )
    offset: QueryInt = Field(
        0,
        ge=0,
        le=1_000_000,
        description="Items to skip. For deep walks use `cursor` instead.",
        examples=[0],
    )


def cursor_field(example: str) -> Any:
    """The `cursor` parameter, with an example cursor that its own list accepts (a cursor is
    bound to the list and sort order that made it)."""
    return Field(
        None,
        max_length=500,
        pattern=CURSOR,
        json_schema_extra={"format": "cursor"},
        description="Opaque keyset cursor from a previous page's `next_cursor` (or its "
        "`Link: rel=next`) of the same list and `sort`; costs the same on page 50,000 as on "
        "page 1. Excludes `offset`.",
        examples=[example],
    )


class CursorParams(PageParams):
    cursor: str | None = cursor_field(
        "WyJpZCIsInZucy1iYWt1LXNpZ25pbmctY2VyZW1vbnktMjAyNSIsInZucy1iYWt1LXNpZ25pbmctY2VyZW1vbnktMjAyNSJd"
    )


def split_commas(value: Any) -> Any:
    """`include=a,b` (the JSON:API form) as well as `include=a&include=b`."""
    if isinstance(value, list):
        return [part.strip() for item in value for part in str(item).split(",")]
    return value


class FacetCount(BaseModel):
    value: str = Field(examples=["AZ"])
    count: int = Field(examples=[8])


FacetCounts = TypeAliasType("FacetCounts", dict[str, list[FacetCount]])
"""Named, so that generated clients get one `FacetCounts` type, not an anonymous object."""


class Faceted(BaseModel):
    """A list's `facets=`: each list narrows `facets` to the names it counts (with
    `facets_field`), and declares their SQL as a `FacetSet` (app/queries/facets.py)."""

    facets: list[str] = []

    _split_facets = field_validator("facets", mode="before")(split_commas)


def facets_field(noun: str, example: str) -> Any:
    return Field(
        [],
        max_length=5,
        examples=[[example]],
        description=f"Counts by facet for the current filters: for each value, how many of the "
        f"matching {noun} have it (a value's count is the list's `total` filtered by it; "
        "countries roll predecessors up into their successor). `a,b` or repeated.",
    )


class Page(BaseModel, Generic[T]):
    """A page of a list: `items`, the `total` matching the filters, and where it starts."""

    items: list[T]
    total: int = Field(
        description="Number of records matching the filters, counted up to "
        "10,000 (see `total_exact`)."
    )
    total_exact: bool = Field(
        True,
        description="False when more than 10,000 records match: "
        "`total` is then 10,000 and the walk goes on by cursor.",
    )
    limit: int
    offset: int
    next_cursor: str | None = Field(
        None, description="Pass as `cursor` for the next page; null on the last page."
    )
    facets: FacetCounts | None = Field(
        None,
        description="Only with `facets=`: for each facet asked for, its values and how many "
        "of the matching records have each (a record with two countries counts once for each; "
        "`total` counts it once).",
        examples=[{"country": [{"value": "AZ", "count": 8}, {"value": "VN", "count": 8}]}],
    )

    @classmethod
    def model_parametrized_name(cls, params: tuple[type[Any], ...]) -> str:
        """`BodyPage` for `Page[BodyOut]`, rather than `Page[BodyOut]`: the model's title, which
        the spec makes its component's name (`app.api.openapi.named_by_title`), where FastAPI
        would write `Page_BodyOut_`."""
        (item,) = params
        return f"{item.__name__.removesuffix('Out')}Page"


class CitedEntry(BaseModel):
    """A value a quote states."""

    basis: Literal["cited"]
    citations: list[str] = Field(
        min_length=1,
        description="Ids of the record's `citations` that state it.",
        examples=[["ca82c1f85efba23b"]],
    )


class InferredEntry(BaseModel):
    """A value the curators inferred, with their reasoning."""

    basis: Literal["inferred"]
    reason: str = Field(description="Why it was inferred.")


class ReferenceEntry(BaseModel):
    """A value taken from a reference dataset (ISO 3166 via pycountry, Wikidata ids the
    curators supplied)."""

    basis: Literal["reference"]
    dataset: str = Field(description="The reference dataset it comes from.")


ProvenanceEntry = TypeAliasType(
    "ProvenanceEntry",
    Annotated[CitedEntry | InferredEntry | ReferenceEntry, Field(discriminator="basis")],
)
"""Named, so that the spec has one discriminated union that generated clients type once."""

Provenances = Annotated[
    dict[str, ProvenanceEntry],
    Field(
        description="How each fact this answer shows is known, keyed by the JSON key that "
        "shows it (`place_country_id`; the record's schema lists its fact keys as "
        "`x-provenance-fields`): `cited` with the ids of the `citations` that state it, "
        "`inferred` with the reason, or `reference` with the dataset. A member of a list or "
        "map is keyed `key[member]`: one party, `party_codes[VDVN]`; one alias, "
        "`aliases[Viet Nam]`; one id, `external_ids[wikidata]`. Only keys the answer holds "
        "a value for have an entry: a list row tells what it shows. Every key in "
        "`x-provenance-fields` that holds a value has one; another key (a `title`, a `name`) "
        "has one only where a citation names it.",
        examples=[
            {
                "title": {"basis": "cited", "citations": ["ca82c1f85efba23b"]},
                "date": {"basis": "inferred", "reason": "The sources say only ..."},
                "party_codes[VDVN]": {"basis": "inferred", "reason": "..."},
                "external_ids[wikidata]": {"basis": "reference", "dataset": "Wikidata"},
            }
        ],
    ),
]


def citation_id(
    record_type: str, record_id: str, field: str | None, source: str, quote: str
) -> str:
    """A citation's id: the first 16 hex digits of the SHA-256 of what makes it the citation
    it is (the record it belongs to, the field it supports, its source and quote, joined by
    U+001F). A record cites a passage for a field once, so no two of its citations share an
    id; and the id survives reseeding, export and import, unlike the row's database id."""
    parts = (record_type, record_id, field or "", source, quote)
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]


def citation_json(row: Any) -> dict[str, Any]:
    """A stored citation (a `citations` row) as the API shows it."""
    return {
        "id": citation_id(row.record_type, row.record_id, row.field, row.source_id, row.quote),
        "source": row.source_id,
        "quote": row.quote,
        "field": row.field,
        "selectors": selectors_json(row),
    }


def reading_json(row: Any) -> dict[str, Any]:
    """A stored discrepancy reading (a `discrepancy_readings` row) as the API shows it."""
    return {
        "value": row.value,
        "source": row.source_id,
        "quote": row.quote,
        "selectors": selectors_json(row),
    }


def selectors_json(row: Any) -> list[dict[str, Any]]:
    """The W3C Web Annotation selectors of a stored quote (its anchor columns)."""
    return [
        {
            "type": "TextQuoteSelector",
            "exact": row.quote,
            "prefix": row.quote_prefix,
            "suffix": row.quote_suffix,
        },
        {"type": "TextPositionSelector", "start": row.quote_start, "end": row.quote_end},
    ]


class TextQuoteSelector(Out):
    """W3C Web Annotation `TextQuoteSelector`: the quote and the text around it."""

    type: Literal["TextQuoteSelector"]
    exact: str = Field(description="The quote, verbatim.")
    prefix: str = Field(
        description="Up to 32 code points of the source's text just before the quote "
        "(shorter at the start of the text)."
    )
    suffix: str = Field(
        description="Up to 32 code points of the source's text just after the quote "
        "(shorter at its end)."
    )


class TextPositionSelector(Out):
    """W3C Web Annotation `TextPositionSelector` into `GET /api/v1/sources/{source}/text`:
    `text[start:end]` (in Unicode code points, end exclusive) is the quote. A quote that
    occurs more than once in its source is anchored at its first occurrence."""

    type: Literal["TextPositionSelector"]
    start: int = Field(ge=0, description="Code point offset where the quote begins.")
    end: int = Field(ge=0, description="Code point offset just past the quote's end.")


Selector = Annotated[TextQuoteSelector | TextPositionSelector, Field(discriminator="type")]
Selectors = Annotated[
    list[Selector],
    Field(
        min_length=2,
        max_length=2,
        description="W3C Web Annotation selectors of the quote in its source's text: a "
        "`TextQuoteSelector`, then a `TextPositionSelector`.",
    ),
]


class CitationOut(Out):
    """A verbatim passage of a source supporting a record, or one field of it, and where it
    stands in the source's text (`GET /api/v1/sources/{source}/text`)."""

    id: str = Field(
        description="Stable id of the citation: derived from its record, field, source and "
        "quote, so it is the same after reseeding, export and import.",
        examples=["b815f94fab97c5d0"],
    )
    source: str = Field(
        validation_alias=AliasChoices("source_id", "source"),
        description="Id of the source document.",
    )
    quote: str = Field(description="A verbatim passage of the source's text.")
    field: str | None = Field(None, description="The field this quote supports, if one.")
    selectors: Selectors

    @model_validator(mode="before")
    @classmethod
    def _from_row(cls, value: Any) -> Any:
        """A stored citation (an ORM row) in the API's shape."""
        return value if isinstance(value, dict) else citation_json(value)


class ReadingOut(Out):
    """What one source says on the point, in its own words (`quote`), and where they stand
    in the source's text (`GET /api/v1/sources/{source}/text`)."""

    value: str = Field(description="The reading: words of its `quote`.")
    source: str = Field(
        validation_alias=AliasChoices("source_id", "source"),
        description="Id of the source document.",
    )
    quote: str = Field(description="A verbatim passage of the source's text.")
    selectors: Selectors

    @model_validator(mode="before")
    @classmethod
    def _from_row(cls, value: Any) -> Any:
        """A stored reading (an ORM row) in the API's shape."""
        return value if isinstance(value, dict) else reading_json(value)


class DiscrepancyOut(Out):
    id: str
    field: str
    description: str
    readings: list[ReadingOut]


class DatedOut(Out):
    date: str | None = Field(
        None, description="ISO 8601 at the precision the sources support.", examples=["2025"]
    )
    date_precision: DatePrecision | None = None
    date_inferred: bool = Field(
        False,
        description="True when the date is inferred, not stated: derived from "
        "`provenance.date` (its `basis` is `inferred`, and its `reason` says why), kept so "
        "that a client can filter on it.",
    )


class ProvenancedOut(Out):
    """A record that says how each of its facts is known (`app.kinds.facts`)."""

    record_kind: ClassVar[str]
    """The kind of record it shows: its declaration says which fields state a fact, listed
    in the spec as the schema's `x-provenance-fields`."""

    provenance: Provenances = {}


class RecordEntry(Out):
    """An entry standing for a record of any kind (a timeline row, a search hit), saying how
    the record's facts it shows are known, keyed as the record's own `provenance` is."""

    model_config = ConfigDict(json_schema_extra={"x-provenance-fields": ["date"]})
    not_facts: ClassVar[tuple[str, ...]] = ("kind",)
    """Keys of the entry's own (`kind` names the record's kind, not an agreement's own
    `kind`), never a record's fact."""

    provenance: Provenances = Field(default_factory=dict)


class CountryRef(Out):
    id: str
    name: str
    alpha2: str | None = None
    alpha3: str | None = None
    is_historical: bool = False


class ProblemItem(BaseModel):
    """One thing wrong with a request."""

    parameter: str = Field(
        description="The parameter, header or body field (`citations.0.quote`) at fault.",
        examples=["limit"],
    )
    location: ParameterLocation = Field(description="Where it was sent.", examples=["query"])
    message: str = Field(
        description="What is wrong with it, in plain words.",
        examples=["must be at least 1"],
    )


class Problem(BaseModel):
    """An RFC 9457 problem detail. `type` is the path of a page explaining the problem
    (see `/problems`)."""

    type: str = Field(
        description="Path of a page explaining this kind of problem.",
        examples=["/problems/invalid-parameter"],
    )
    title: str = Field(examples=["Invalid parameter"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["limit: must be at least 1"])
    errors: list[ProblemItem] | None = Field(
        None, description="For validation errors: each offending parameter and what is wrong."
    )


def problem_responses(*statuses: tuple[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries declaring problem+json bodies for these statuses."""
    content = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {
        status: {"model": Problem, "description": text, "content": content}
        for status, text in statuses
    }


PROBLEM_RESPONSES = problem_responses(
    (404, "No such record"),
    (422, "A parameter is invalid"),
    (429, "Too many requests: wait `Retry-After` seconds"),
    (500, "Server error (no details are exposed)"),
)
AUTH_RESPONSES = problem_responses(
    (401, "No API key, or an unknown or revoked one"),
    (403, "The key's scope does not allow this"),
    (413, "The body is too large"),
    (415, "The body is not JSON"),
    (429, "Too many requests"),
)

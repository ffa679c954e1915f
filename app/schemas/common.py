"""Shapes shared by every resource: pages, citations, dates, problems, references."""

import re
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict, Field

from app.dates import InvalidDate, PartialDate, parse_partial_date

T = TypeVar("T")

MAX_LIMIT = 100


# Ids, codes and dates in URLs are matched whole (pydantic's patterns are anchored at the
# very end, unlike Python's `$`, which also matches before a trailing newline) and with
# ASCII classes: `[0-9]`, never `\d`, which also takes Arabic-Indic and fullwidth digits.
SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9-]*$"
_DATE_SHAPE = re.compile(r"[0-9]{4}(?:-[0-9]{2}(?:-[0-9]{2})?)?")
Slug = Annotated[str, Field(max_length=120, pattern=SLUG_PATTERN)]
CountryCode = Annotated[str, Field(max_length=40, pattern=CODE_PATTERN)]


def _partial_date(value: str) -> str:
    if not _DATE_SHAPE.fullmatch(value):
        raise ValueError(f"{value!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    try:
        parse_partial_date(value)
    except InvalidDate as exc:
        raise ValueError(str(exc)) from None
    return value


DateParam = Annotated[str, AfterValidator(_partial_date)]
QueryText = Annotated[str, Field(min_length=1, max_length=200)]
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
    return (
        parse_partial_date(date_from) if date_from else None,
        parse_partial_date(date_to) if date_to else None,
    )


class Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class PageParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(20, ge=1, le=MAX_LIMIT, description="Items per page (1–100).", examples=[20])
    offset: int = Field(
        0,
        ge=0,
        le=1_000_000,
        description="Items to skip. For deep walks use `cursor` instead.",
        examples=[0],
    )


class CursorParams(PageParams):
    cursor: str | None = Field(
        None,
        max_length=500,
        description="Opaque keyset cursor from a "
        "previous page's `next_cursor` (or its `Link: rel=next`); costs "
        "the same on page 50,000 as on page 1. Excludes `offset`.",
        examples=["WyItZGF0ZSIsIjIwMjUtMDEtMDEiLCJtb3UtY3VsdHVyZS12bi1hei0yMDI1Il0"],
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


class ProvenanceOut(BaseModel):
    """How a value no citation states is known."""

    basis: Literal["inferred", "reference"] = Field(
        description="`inferred`: the curators' reading, with `reason`; `reference`: from the "
        "reference dataset named in `dataset` (ISO 3166 via pycountry, Wikidata ids the "
        "curators supplied)."
    )
    reason: str | None = Field(None, description="Why an inferred value was inferred.")
    dataset: str | None = Field(None, description="The reference dataset it comes from.")


Provenances = Annotated[
    dict[str, ProvenanceOut],
    Field(
        description="How each shown value is known. A field named here (`host_country`; one "
        "party, `parties.VDVN`; one alias, `aliases.Viet Nam`; one id, `external_ids.wikidata`) "
        "is inferred or reference data; every other value is cited: a quote in `citations` "
        "states it (the citation's `field` names it).",
        examples=[
            {
                "guest_country": {"basis": "inferred", "reason": "The sources say only ..."},
                "external_ids.wikidata": {"basis": "reference", "dataset": "Wikidata"},
            }
        ],
    ),
]


class CitationOut(Out):
    source: str = Field(
        validation_alias=AliasChoices("source_id", "source"),
        description="Id of the source document.",
    )
    quote: str = Field(description="A verbatim passage of the source's text.")
    field: str | None = Field(None, description="The field this quote supports, if one.")


class ReadingOut(Out):
    value: str
    source: str = Field(validation_alias=AliasChoices("source_id", "source"))
    quote: str


class DiscrepancyOut(Out):
    id: str
    field: str
    description: str
    readings: list[ReadingOut]


class DatedOut(Out):
    date: str | None = Field(
        None, description="ISO 8601 at the precision the sources support.", examples=["2025"]
    )
    date_precision: Literal["year", "month", "day"] | None = None
    date_inferred: bool = Field(False, description="True when the date is inferred, not stated.")


class ProvenancedOut(Out):
    provenance: Provenances = {}


class DatedDetailOut(DatedOut):
    date_inferred_reason: str | None = Field(
        None, description="Why an inferred date was inferred; see the citations with field `date`."
    )


class CountryRef(Out):
    id: str
    name: str
    alpha2: str | None = None
    alpha3: str | None = None
    is_historical: bool = False


class Problem(BaseModel):
    """An RFC 9457 problem detail."""

    type: str = Field(examples=["/problems/invalid-parameter"])
    title: str = Field(examples=["Invalid parameter"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["limit: Input should be greater than or equal to 1"])
    errors: list[dict[str, Any]] | None = Field(
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

"""What every record shape is made of: strict models (unknown keys are errors), verbatim
quotes (`Quoted`), citations, provenance and partial dates.

Field values follow the rules of `app.kinds.fields` (slug ids, ASCII dates matched whole, no
control characters, quotes with a real word, titles and names not blank), so seed files, API
writes and `import` all refuse the same values.
"""

from collections.abc import Iterator, Sequence
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from app.kinds.declaration import Children, Column, Loc, Ref, Sourced, marker, sourced_fields
from app.kinds.fields import DateText, Line, Prose, Quote, RecordId

Text = Line
"""A one-line string no longer than its database column."""


class SeedModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)

    @model_validator(mode="after")
    def _no_duplicates(self) -> "SeedModel":
        """No two items of a list marked `Children` share their `key` (each party once, each
        signer once per role, each party's action once)."""
        for name in type(self).model_fields:
            children = marker(type(self), name, Children)
            if children is None or not children.key:
                continue
            keys = [tuple(getattr(item, k) for k in children.key) for item in getattr(self, name)]
            if len(keys) != len(set(keys)):
                raise ValueError(f"{name} lists the same entry twice")
        return self


SourceId = Annotated[RecordId, Column("source_id"), Ref("source")]
"""The source a quote is from: a shape with `source` and `quote` fields is a verbatim passage
of that source, which the checker finds in its text (citations, discrepancies' readings)."""


class CitationIn(SeedModel):
    source: SourceId
    quote: Quote
    field: Text(60) | None = None


STORED = {"stored": True}
"""The validation context of a record read back from the database (`app.kinds.row_to_record`),
taken as it was stored: the rules between a record's fields (every value cited, inferred or
reference data; each citation naming a field of it) hold for what comes in. A rule made
stricter since a record was written must not make it unreadable: seeding, which brings it up
to date, reads it first (a signatory stored before its `kind` needed a citation failed there),
and a PATCH of it is checked by today's rules as a whole."""


def incoming(info: ValidationInfo) -> bool:
    """The value comes in (a seed file, a write, an import), rather than from storage."""
    return not (info.context or {}).get("stored", False)


RecordProblem = tuple[Loc, str, Any]
"""Where a record breaks a rule about itself, what is wrong, and the value at fault."""


def refuse(shape: type[BaseModel], problems: Iterator[RecordProblem]) -> None:
    """Raise the problems as a validation error of a record of `shape`, each at its own
    location (`citations.3.field`, not the record as a whole)."""
    errors = [
        InitErrorDetails(
            type=PydanticCustomError("record_rule", "{message}", {"message": message}),
            loc=loc,
            input=value,
        )
        for loc, message, value in problems
    ]
    if errors:
        raise ValidationError.from_exception_data(shape.__name__, errors)


def field_names(shape: type[BaseModel]) -> list[str]:
    """The fields a citation or a provenance entry of a record of `shape` may name: every
    field but its citations and provenance."""
    return [name for name in shape.model_fields if name not in ("citations", "provenance")]


def not_a_field(shape: type[BaseModel], name: str) -> str | None:
    """Why a citation or provenance entry of a record of `shape` cannot name `name`, or None."""
    fields = field_names(shape)
    return (
        None if name in fields else f"{name!r} is not a field of this record ({', '.join(fields)})"
    )


def citation_problems(
    shape: type[BaseModel], citations: Sequence[CitationIn], loc: Loc
) -> Iterator[RecordProblem]:
    """A citation's `field` must be one of the record's fields, and a record cites a passage
    for a field once: a repeat is named once, at its first repetition."""
    first: dict[tuple[str, str, str | None], int] = {}
    repeated = set()
    for i, citation in enumerate(citations):
        unknown = citation.field and not_a_field(shape, citation.field)
        if unknown:
            yield (*loc, i, "field"), unknown, citation.field
        key = (citation.source, citation.quote, citation.field)
        if key not in first:
            first[key] = i
        elif key not in repeated:
            repeated.add(key)
            message = f"repeats the citation at index {first[key]} (same source, quote and field)"
            yield (*loc, i), message, None


class Citing(SeedModel):
    """A record that may cite sources: each citation supports one of its fields (or the
    record as a whole), once."""

    citations: list[CitationIn] = []

    @field_validator("citations")
    @classmethod
    def _citations_fit(cls, citations: list[CitationIn], info: ValidationInfo) -> list[CitationIn]:
        """A field's rule, so that a citation of no field is reported before the record's
        rules (which would only see that field's value as uncited)."""
        if incoming(info):
            refuse(cls, citation_problems(cls, citations, ()))
        return citations


class Cited(Citing):
    """A record that cites at least one source."""

    citations: list[CitationIn] = Field(min_length=1)


class Provenance(SeedModel):
    """How a value not stated by a quote is known: `inferred` (with the reasoning) or
    `reference` (from a named reference dataset such as ISO 3166 or Wikidata)."""

    basis: Literal["inferred", "reference"]
    reason: Prose | None = Field(None, min_length=1)
    dataset: Text(100) | None = None

    @model_validator(mode="after")
    def _complete(self) -> "Provenance":
        if self.basis == "inferred" and not self.reason:
            raise ValueError("an inferred value needs its reason")
        if self.basis == "reference" and not self.dataset:
            raise ValueError("a reference value needs its dataset")
        return self


Provenances = dict[Text(320), Provenance]
"""How each value no citation states is known, by field (`aliases.<alias>` for one item)."""

COMPUTED_PROVENANCE = ("date", "parties.", "external_ids.")
"""Provenance keys the writer derives (from `date_inferred`, a party's `inferred_reason`,
`external_ids`), so a seed does not set them itself."""


class Provenanced(SeedModel):
    """A record whose every shown value is cited, inferred or reference data.

    `provenance` maps a field (`host_country`, or one alias: `aliases.North Vietnam`) to how
    it is known when no quote states it: inferred with the reasoning, or reference data with
    its dataset. A field marked `Sourced` that holds a value but is neither cited (a
    citation whose `field` names it) nor in `provenance` is refused, as is an alias no quote
    of the record contains.
    """

    provenance: Provenances = {}

    @model_validator(mode="after")
    def _every_value_has_provenance(self, info: ValidationInfo) -> "Provenanced":
        if incoming(info):
            refuse(type(self), provenance_problems(self))
        return self


def provenance_key_problem(shape: type[BaseModel], key: str, aliases: Sequence[str]) -> str | None:
    """Why a record of `shape` with these `aliases` cannot have a provenance entry `key`, or
    None: a key names one of its fields, or one of its aliases (`aliases.North Vietnam`)."""
    name, dot, item = key.partition(".")
    if not dot:
        return not_a_field(shape, key)
    if name == "aliases" and "aliases" in shape.model_fields:
        return None if item in aliases else f"{item!r} is not one of this record's aliases"
    return f"{key!r} names no field of this record (an item is named only as aliases.<alias>)"


def provenance_problems(record: Provenanced) -> Iterator[RecordProblem]:
    """Each provenance entry names a field or alias of the record (not one the writer derives),
    and every value the record states is cited, inferred or reference data."""
    aliases = getattr(record, "aliases", [])
    for key in record.provenance:
        if key.startswith(COMPUTED_PROVENANCE):
            message = (
                "the provenance of dates, parties and external ids is set by date_inferred, "
                "parties[].inferred_reason and external_ids"
            )
        else:
            message = provenance_key_problem(type(record), key, aliases)
        if message:
            yield ("provenance", key), message, key
    citations = getattr(record, "citations", [])
    cited = {c.field for c in citations}
    missing = [
        name
        for name in sourced_fields(type(record))
        if _stated(record, name)
        and name not in cited
        and name not in record.provenance
        and not (name == "date" and getattr(record, "date_inferred", False))
    ]
    missing += [
        f"aliases.{alias}"
        for alias in aliases
        if f"aliases.{alias}" not in record.provenance
        and not any(alias in c.quote for c in citations)
    ]
    if missing:
        message = "no citation (with `field`), inference or reference for: " + ", ".join(missing)
        yield (), message, None


class Dated(SeedModel):
    date: Annotated[DateText | None, Sourced()] = None
    date_inferred: bool = False
    date_inferred_reason: Prose | None = None

    @model_validator(mode="after")
    def _inferred_has_reason(self) -> "Dated":
        if self.date_inferred and not self.date_inferred_reason:
            raise ValueError("date_inferred is true but date_inferred_reason is empty")
        if self.date_inferred and self.date is None:
            raise ValueError("date_inferred is true but date is null")
        return self


DATED_FIELDS = tuple(Dated.model_fields)


def _stated(record: BaseModel, name: str) -> bool:
    """The field holds a value (a list: an item not flagged inferred on itself)."""
    value = getattr(record, name)
    if isinstance(value, list):
        value = [item for item in value if not getattr(item, "inferred_reason", None)]
    return value not in (None, [], {})

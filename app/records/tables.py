"""The field rules of `app.records.fields`, applied to the raw rows a dump holds.

A dump carries rows, not records (an agreement's parties are rows of `agreement_parties`),
so `import` checks each row against its table's model here, and the rules between rows
(references, verbatim quotes) with `app.records.checks`. Columns derived at write time are
checked against what they derive from (`derived_problems`): a row's date interval against
its date, a source's SHA-256 against its text, an event's id against its parts.
"""

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.curation.keys import Scope
from app.dates import parse_partial_date
from app.records.checks import sha256_problem
from app.records.fields import (
    CountryId,
    DateText,
    Line,
    Prose,
    Quote,
    RecordId,
    RecordKey,
    SectorId,
    Sha256,
)
from app.records.shapes import Provenances
from app.vocabulary import AgreementKind, BodyKind, EventAction, RecordType, SignatoryKind

Position = Field(ge=0)
Aliases = list[Line(300)]
ExternalIds = dict[Line(60), Line(200)]


class Row(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def derived_problems(self) -> list[tuple[str, str]]:
        """(column, message) for each column that does not follow from the ones it is
        derived from (checked once every field is valid)."""
        return []


class DatedRow(Row):
    date: DateText | None
    date_precision: Literal["year", "month", "day"] | None
    date_inferred: bool
    date_inferred_reason: Prose | None
    date_start: date | None
    date_end: date | None

    def derived_problems(self) -> list[tuple[str, str]]:
        if self.date is None:
            derived: tuple[Any, ...] = (None, None, None)
        else:
            parsed = parse_partial_date(self.date)
            derived = (parsed.precision, parsed.start, parsed.end)
        return [
            (column, f"{stored!r} does not follow from date {self.date!r} ({value!r})")
            for column, stored, value in zip(
                ("date_precision", "date_start", "date_end"),
                (self.date_precision, self.date_start, self.date_end),
                derived,
                strict=True,
            )
            if stored != value
        ]


class ApiKeyRow(Row):
    id: int
    name: Line(100)
    scope: Scope
    key_hash: Sha256
    prefix: Line(12)
    created_at: datetime
    revoked_at: datetime | None


class ChangeRow(Row):
    id: int = Field(ge=1)
    at: datetime
    actor: Line(100)
    action: Literal["create", "update", "delete"]
    record_type: Line(20)
    record_id: Line(200)
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class CountryRow(Row):
    id: CountryId
    alpha2: Line(2) | None
    alpha3: Line(3) | None
    numeric: Line(3) | None
    name: Line(200)
    official_name: Line(300) | None
    aliases: Aliases
    is_historical: bool
    valid_from: DateText | None
    valid_to: DateText | None
    note: Prose | None
    external_ids: ExternalIds
    successor_id: CountryId | None
    part_of_id: CountryId | None
    search_text: Prose
    names: dict[Line(10), Line(300)]
    provenance: Provenances


class DiscrepancyRow(Row):
    id: RecordId
    record_type: RecordType
    record_id: RecordKey
    field: Line(60)
    description: Prose


class SectorRow(Row):
    id: SectorId
    name: Line(200)
    parent_id: SectorId | None
    description: Prose | None


class SourceRow(Row):
    id: RecordId
    title: Line(500)
    kind: Line(40)
    publisher: Line(200) | None
    language: Line(10) | None
    url: Line(2000) | None
    published: DateText | None
    notes: Prose | None
    filename: Line(300)
    text: Prose = Field(min_length=1)
    sha256: Sha256

    def derived_problems(self) -> list[tuple[str, str]]:
        problem = sha256_problem(self.text, self.sha256)
        return [("sha256", problem)] if problem else []


class CitationRow(Row):
    id: int
    record_type: RecordType
    record_id: RecordKey
    position: int = Position
    field: Line(60) | None
    source_id: RecordId
    quote: Quote


class DiscrepancyReadingRow(Row):
    discrepancy_id: RecordId
    position: int = Position
    value: Prose
    source_id: RecordId
    quote: Quote


class SignatoryRow(Row):
    id: RecordId
    name: Line(300)
    kind: SignatoryKind
    country_id: CountryId | None
    aliases: Aliases
    description: Prose | None
    external_ids: ExternalIds
    search_text: Prose
    provenance: Provenances


class VisitRow(DatedRow):
    id: RecordId
    title: Line(300)
    kind: Line(20) | None
    guest_id: RecordId | None
    guest_title: Line(300) | None
    guest_country_id: CountryId | None
    host_country_id: CountryId | None
    city: Line(120) | None
    summary: Prose | None
    search_text: Prose
    provenance: Provenances


class AgreementRow(DatedRow):
    id: RecordId
    title: Line(500)
    aliases: Aliases
    kind: AgreementKind
    place: Line(200) | None
    place_country_id: CountryId | None
    summary: Prose | None
    status: Line(40) | None
    visit_id: RecordId | None
    search_text: Prose
    provenance: Provenances


class AgreementEventRow(DatedRow):
    id: RecordKey
    agreement_id: RecordId
    country_id: CountryId | None
    action: EventAction
    note: Prose | None

    def derived_problems(self) -> list[tuple[str, str]]:
        expected = f"{self.agreement_id}--{self.action}--{self.country_id or 'all'}"
        wrong_id = [("id", f"an event's id must be {expected!r}")] if self.id != expected else []
        return [*wrong_id, *super().derived_problems()]


class AgreementPartyRow(Row):
    agreement_id: RecordId
    country_id: CountryId
    inferred_reason: Prose | None


class AgreementSectorRow(Row):
    agreement_id: RecordId
    sector_id: SectorId


class AgreementSignatoryRow(Row):
    agreement_id: RecordId
    signatory_id: RecordId
    role: Line(20)
    side_id: CountryId | None
    position: int = Position


class RelationEventRow(DatedRow):
    id: RecordId
    kind: Line(40)
    title: Line(300)
    country_a_id: CountryId
    country_b_id: CountryId
    agreement_id: RecordId | None
    summary: Prose | None
    provenance: Provenances


class AgreementReferenceRow(Row):
    agreement_id: RecordId
    referenced_id: RecordId


class BodyRow(DatedRow):
    id: RecordId
    name: Line(300)
    kind: BodyKind
    aliases: Aliases
    summary: Prose | None
    search_text: Prose
    provenance: Provenances


class BodyCountryRow(Row):
    body_id: RecordId
    country_id: CountryId


class SeedStateRow(Row):
    record_type: Line(20)
    record_id: Line(200)
    sha256: Sha256
    record: dict[str, Any]


ROWS: dict[str, type[Row]] = {
    "api_keys": ApiKeyRow,
    "changes": ChangeRow,
    "countries": CountryRow,
    "discrepancies": DiscrepancyRow,
    "sectors": SectorRow,
    "sources": SourceRow,
    "citations": CitationRow,
    "discrepancy_readings": DiscrepancyReadingRow,
    "signatories": SignatoryRow,
    "visits": VisitRow,
    "agreements": AgreementRow,
    "agreement_events": AgreementEventRow,
    "agreement_parties": AgreementPartyRow,
    "agreement_sectors": AgreementSectorRow,
    "agreement_signatories": AgreementSignatoryRow,
    "relation_events": RelationEventRow,
    "agreement_references": AgreementReferenceRow,
    "bodies": BodyRow,
    "body_countries": BodyCountryRow,
    "seed_state": SeedStateRow,
}
"""Each table's row rules; a table missing here cannot be imported (tested)."""

POINTERS: dict[str, tuple[str, str]] = {
    "citations": ("record_type", "record_id"),
    "discrepancies": ("record_type", "record_id"),
}
"""Tables whose rows point at any kind of record: (type column, id column)."""

TABLE_OF: dict[str, str] = {
    "country": "countries",
    "signatory": "signatories",
    "visit": "visits",
    "agreement": "agreements",
    "relation": "relation_events",
    "event": "agreement_events",
    "body": "bodies",
}
"""The table each record type (`RecordType`) lives in."""

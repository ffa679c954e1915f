"""The shape of each seed record, as Pydantic models (strict: unknown keys are errors).

Field values follow the rules of `app.records.fields` (slug ids, ASCII dates matched whole,
no control characters, quotes with a real word, titles and names not blank), so seed
files, API writes and `import` all refuse the same values.
"""

from pydantic import BaseModel, ConfigDict, Field, model_validator

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
from app.vocabulary import AgreementKind, EventAction, RecordType, SignatoryKind

Text = Line
"""A one-line string no longer than its database column."""


class SeedModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class CitationIn(SeedModel):
    source: RecordId
    quote: Quote
    field: Text(60) | None = None


class Cited(SeedModel):
    citations: list[CitationIn] = Field(min_length=1)


class Dated(SeedModel):
    date: DateText | None = None
    date_inferred: bool = False
    date_inferred_reason: Prose | None = None

    @model_validator(mode="after")
    def _inferred_has_reason(self) -> "Dated":
        if self.date_inferred and not self.date_inferred_reason:
            raise ValueError("date_inferred is true but date_inferred_reason is empty")
        if self.date_inferred and self.date is None:
            raise ValueError("date_inferred is true but date is null")
        return self


class SourceRecord(SeedModel):
    id: RecordId
    file: Text(300)
    title: Text(500)
    kind: Text(40)
    publisher: Text(200) | None = None
    language: Text(10) | None = None
    url: Text(2000) | None = None
    published: DateText | None = None
    notes: Prose | None = None
    sha256: Sha256 | None = None
    """The file's SHA-256, when pinned: seeding refuses a file that no longer matches it."""


class SourceDocument(SeedModel):
    """A source with its full text: what the write API takes and the dump stores."""

    id: RecordId
    title: Text(500)
    kind: Text(40)
    publisher: Text(200) | None = None
    language: Text(10) | None = None
    url: Text(2000) | None = None
    published: DateText | None = None
    notes: Prose | None = None
    filename: Text(300) | None = None
    text: Prose = Field(min_length=1)


class CountryLink(SeedModel):
    successor: CountryId | None = None
    part_of: CountryId | None = None
    aliases: list[Text(300)] = []
    note: Prose | None = None
    citations: list[CitationIn] = []


class EntityRecord(Cited):
    id: CountryId
    name: Text(200)
    official_name: Text(300) | None = None
    aliases: list[Text(300)] = []
    valid_from: DateText | None = None
    valid_to: DateText | None = None
    part_of: CountryId | None = None
    successor: CountryId | None = None
    note: Prose | None = None


class CountriesFile(SeedModel):
    aliases: dict[CountryId, list[Text(300)]] = {}
    external_ids: dict[CountryId, dict[Text(60), Text(200)]] = {}
    links: dict[CountryId, CountryLink] = {}
    entities: list[EntityRecord] = []


class SectorRecord(SeedModel):
    id: SectorId
    name: Text(200)
    parent: SectorId | None = None
    description: Prose | None = None


class SignatoryRecord(Cited):
    id: RecordId
    name: Text(300)
    kind: SignatoryKind
    country: CountryId | None = None
    aliases: list[Text(300)] = []
    description: Prose | None = None
    external_ids: dict[Text(60), Text(200)] = {}


class VisitRecord(Dated, Cited):
    id: RecordId
    title: Text(300)
    kind: Text(20) | None = None
    guest: RecordId | None = None
    guest_title: Text(300) | None = None
    guest_country: CountryId | None = None
    host_country: CountryId | None = None
    city: Text(120) | None = None
    summary: Prose | None = None


class PartyRecord(SeedModel):
    country: CountryId
    inferred_reason: Prose | None = None


class SignerRecord(SeedModel):
    signatory: RecordId
    role: Text(20)
    side: CountryId | None = None


class EventRecord(Dated, Cited):
    action: EventAction
    country: CountryId | None = None
    note: Prose | None = None

    def event_id(self, agreement_id: str) -> str:
        return f"{agreement_id}--{self.action}--{self.country or 'all'}"


class AgreementRecord(Dated, Cited):
    id: RecordId
    title: Text(500)
    aliases: list[Text(300)] = []
    kind: AgreementKind
    place: Text(200) | None = None
    place_country: CountryId | None = None
    summary: Prose | None = None
    status: Text(40) | None = None
    visit: RecordId | None = None
    parties: list[PartyRecord] = []
    signatories: list[SignerRecord] = []
    sectors: list[SectorId] = []
    events: list[EventRecord] = []

    @model_validator(mode="after")
    def _no_duplicates(self) -> "AgreementRecord":
        """Each party once, each signer once per role, each party's action once."""
        for name, keys in (
            ("parties", [p.country for p in self.parties]),
            ("signatories", [(s.signatory, s.role) for s in self.signatories]),
            ("events", [(e.action, e.country) for e in self.events]),
        ):
            if len(keys) != len(set(keys)):
                raise ValueError(f"{name} lists the same entry twice")
        return self


class RelationRecord(Dated, Cited):
    id: RecordId
    kind: Text(40)
    title: Text(300)
    countries: list[CountryId] = Field(min_length=2, max_length=2)
    agreement: RecordId | None = None
    summary: Prose | None = None


class RecordRef(SeedModel):
    type: RecordType
    id: RecordKey


class ReadingRecord(SeedModel):
    value: Prose
    source: RecordId
    quote: Quote


class DiscrepancyRecord(SeedModel):
    id: RecordId
    record: RecordRef
    field: Text(60)
    description: Prose
    readings: list[ReadingRecord] = Field(min_length=2)

"""The shape of each seed record, as Pydantic models (strict: unknown keys are errors)."""

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from app.dates import InvalidDate, parse_partial_date
from app.vocabulary import AgreementKind, EventAction, RecordType, SignatoryKind


class SeedModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class CitationIn(SeedModel):
    source: str
    quote: str = Field(min_length=1)
    field: str | None = None


class Cited(SeedModel):
    citations: list[CitationIn] = Field(min_length=1)


class Dated(SeedModel):
    date: str | None = None
    date_inferred: bool = False
    date_inferred_reason: str | None = None

    @field_validator("date")
    @classmethod
    def _valid_date(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                parse_partial_date(value)
            except InvalidDate as exc:
                raise ValueError(str(exc)) from None
        return value

    @model_validator(mode="after")
    def _inferred_has_reason(self) -> "Dated":
        if self.date_inferred and not self.date_inferred_reason:
            raise ValueError("date_inferred is true but date_inferred_reason is empty")
        if self.date_inferred and self.date is None:
            raise ValueError("date_inferred is true but date is null")
        return self


class SourceRecord(SeedModel):
    id: str
    file: str
    title: str
    kind: str
    publisher: str | None = None
    language: str | None = None
    url: str | None = None
    published: str | None = None
    notes: str | None = None


class SourceDocument(SeedModel):
    """A source with its full text: what the write API takes and the dump stores."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,118}[a-z0-9]$")
    title: str = Field(min_length=1)
    kind: str = Field(min_length=1)
    publisher: str | None = None
    language: str | None = None
    url: str | None = None
    published: str | None = None
    notes: str | None = None
    filename: str | None = None
    text: str = Field(min_length=1)


class CountryLink(SeedModel):
    successor: str | None = None
    part_of: str | None = None
    aliases: list[str] = []
    note: str | None = None
    citations: list[CitationIn] = []


class EntityRecord(Cited):
    id: str
    name: str
    official_name: str | None = None
    aliases: list[str] = []
    valid_from: str | None = None
    valid_to: str | None = None
    part_of: str | None = None
    successor: str | None = None
    note: str | None = None


class CountriesFile(SeedModel):
    aliases: dict[str, list[str]] = {}
    external_ids: dict[str, dict[str, str]] = {}
    links: dict[str, CountryLink] = {}
    entities: list[EntityRecord] = []


class SectorRecord(SeedModel):
    id: str
    name: str
    parent: str | None = None
    description: str | None = None


class SignatoryRecord(Cited):
    id: str
    name: str
    kind: SignatoryKind
    country: str | None = None
    aliases: list[str] = []
    description: str | None = None
    external_ids: dict[str, str] = {}


class VisitRecord(Dated, Cited):
    id: str
    title: str
    kind: str | None = None
    guest: str | None = None
    guest_title: str | None = None
    guest_country: str | None = None
    host_country: str | None = None
    city: str | None = None
    summary: str | None = None


class PartyRecord(SeedModel):
    country: str
    inferred_reason: str | None = None


class SignerRecord(SeedModel):
    signatory: str
    role: str
    side: str | None = None


class EventRecord(Dated, Cited):
    action: EventAction
    country: str | None = None
    note: str | None = None

    def event_id(self, agreement_id: str) -> str:
        return f"{agreement_id}--{self.action}--{self.country or 'all'}"


class AgreementRecord(Dated, Cited):
    id: str
    title: str
    aliases: list[str] = []
    kind: AgreementKind
    place: str | None = None
    place_country: str | None = None
    summary: str | None = None
    status: str | None = None
    visit: str | None = None
    parties: list[PartyRecord] = []
    signatories: list[SignerRecord] = []
    sectors: list[str] = []
    events: list[EventRecord] = []


class RelationRecord(Dated, Cited):
    id: str
    kind: str
    title: str
    countries: list[str] = Field(min_length=2, max_length=2)
    agreement: str | None = None
    summary: str | None = None


class RecordRef(SeedModel):
    type: RecordType
    id: str


class ReadingRecord(SeedModel):
    value: str
    source: str
    quote: str = Field(min_length=1)


class DiscrepancyRecord(SeedModel):
    id: str
    record: RecordRef
    field: str
    description: str
    readings: list[ReadingRecord] = Field(min_length=2)

"""The shape of each seed record, as Pydantic models (strict: unknown keys are errors)."""

from typing import Annotated

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from app.dates import InvalidDate, parse_partial_date
from app.vocabulary import AgreementKind, EventAction, RecordType, SignatoryKind


def Text(max_length: int) -> type[str]:
    """A non-empty string no longer than its database column."""
    return Annotated[str, StringConstraints(min_length=1, max_length=max_length)]  # type: ignore[return-value]


RecordId = Text(120)
CountryId = Text(40)
SectorId = Text(80)


class SeedModel(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class CitationIn(SeedModel):
    source: RecordId
    quote: str = Field(min_length=1)
    field: Text(60) | None = None


class Cited(SeedModel):
    citations: list[CitationIn] = Field(min_length=1)


class Dated(SeedModel):
    date: Text(10) | None = None
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
    id: RecordId
    file: Text(300)
    title: Text(500)
    kind: Text(40)
    publisher: Text(200) | None = None
    language: Text(10) | None = None
    url: Text(2000) | None = None
    published: Text(10) | None = None
    notes: str | None = None


class SourceDocument(SeedModel):
    """A source with its full text: what the write API takes and the dump stores."""

    id: RecordId
    title: Text(500)
    kind: Text(40)
    publisher: Text(200) | None = None
    language: Text(10) | None = None
    url: Text(2000) | None = None
    published: Text(10) | None = None
    notes: str | None = None
    filename: Text(300) | None = None
    text: str = Field(min_length=1)


class CountryLink(SeedModel):
    successor: CountryId | None = None
    part_of: CountryId | None = None
    aliases: list[str] = []
    note: str | None = None
    citations: list[CitationIn] = []


class EntityRecord(Cited):
    id: CountryId
    name: Text(200)
    official_name: Text(300) | None = None
    aliases: list[str] = []
    valid_from: Text(10) | None = None
    valid_to: Text(10) | None = None
    part_of: CountryId | None = None
    successor: CountryId | None = None
    note: str | None = None


class CountriesFile(SeedModel):
    aliases: dict[str, list[str]] = {}
    external_ids: dict[str, dict[str, str]] = {}
    links: dict[str, CountryLink] = {}
    entities: list[EntityRecord] = []


class SectorRecord(SeedModel):
    id: SectorId
    name: Text(200)
    parent: SectorId | None = None
    description: str | None = None


class SignatoryRecord(Cited):
    id: RecordId
    name: Text(300)
    kind: SignatoryKind
    country: CountryId | None = None
    aliases: list[str] = []
    description: str | None = None
    external_ids: dict[str, str] = {}


class VisitRecord(Dated, Cited):
    id: RecordId
    title: Text(300)
    kind: Text(20) | None = None
    guest: RecordId | None = None
    guest_title: Text(300) | None = None
    guest_country: CountryId | None = None
    host_country: CountryId | None = None
    city: Text(120) | None = None
    summary: str | None = None


class PartyRecord(SeedModel):
    country: CountryId
    inferred_reason: str | None = None


class SignerRecord(SeedModel):
    signatory: RecordId
    role: Text(20)
    side: CountryId | None = None


class EventRecord(Dated, Cited):
    action: EventAction
    country: CountryId | None = None
    note: str | None = None

    def event_id(self, agreement_id: str) -> str:
        return f"{agreement_id}--{self.action}--{self.country or 'all'}"


class AgreementRecord(Dated, Cited):
    id: RecordId
    title: Text(500)
    aliases: list[str] = []
    kind: AgreementKind
    place: Text(200) | None = None
    place_country: CountryId | None = None
    summary: str | None = None
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
    summary: str | None = None


class RecordRef(SeedModel):
    type: RecordType
    id: Text(160)


class ReadingRecord(SeedModel):
    value: str
    source: RecordId
    quote: str = Field(min_length=1)


class DiscrepancyRecord(SeedModel):
    id: RecordId
    record: RecordRef
    field: Text(60)
    description: str
    readings: list[ReadingRecord] = Field(min_length=2)

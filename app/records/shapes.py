"""The shape of each seed record, as Pydantic models (strict: unknown keys are errors).

Field values follow the rules of `app.records.fields` (slug ids, ASCII dates matched whole,
no control characters, quotes with a real word, titles and names not blank), so seed
files, API writes and `import` all refuse the same values.
"""

from typing import ClassVar, Literal

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
from app.vocabulary import AgreementKind, BodyKind, EventAction, RecordType, SignatoryKind

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
    its dataset. A value in
    `CHECKED` that is neither cited (a citation whose `field` names it) nor in `provenance`
    is refused, as is an alias no quote of the record contains.
    """

    CHECKED: ClassVar[tuple[str, ...]] = ()
    provenance: Provenances = {}

    @model_validator(mode="after")
    def _every_value_has_provenance(self) -> "Provenanced":
        derived = [k for k in self.provenance if k.startswith(COMPUTED_PROVENANCE)]
        if derived:
            raise ValueError(
                "provenance of dates, parties and external ids is set by date_inferred, "
                "parties[].inferred_reason and external_ids: " + ", ".join(derived)
            )
        cited = {c.field for c in getattr(self, "citations", [])}
        quotes = [c.quote for c in getattr(self, "citations", [])]
        missing = [
            name
            for name in self.CHECKED
            if _stated(self, name)
            and name not in cited
            and name not in self.provenance
            and not (name == "date" and getattr(self, "date_inferred", False))
        ]
        missing += [
            f"aliases.{alias}"
            for alias in getattr(self, "aliases", [])
            if f"aliases.{alias}" not in self.provenance and not any(alias in q for q in quotes)
        ]
        if missing:
            raise ValueError(
                "no citation (with `field`), inference or reference for: " + ", ".join(missing)
            )
        return self


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


def _stated(record: SeedModel, name: str) -> bool:
    """The field holds a value (parties: one that is not flagged inferred on the party)."""
    value = getattr(record, name)
    if name == "parties":
        value = [p for p in value if not p.inferred_reason]
    return value not in (None, [], {})


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


class CountryLink(Provenanced):
    CHECKED = ("successor", "part_of")
    successor: CountryId | None = None
    part_of: CountryId | None = None
    aliases: list[Text(300)] = []
    note: Prose | None = None
    citations: list[CitationIn] = []


class EntityRecord(Cited, Provenanced):
    CHECKED = ("official_name", "valid_from", "valid_to", "part_of", "successor")
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
    citations: dict[CountryId, list[CitationIn]] = Field(
        {}, description="Quotes that use each ISO country's curated `aliases`."
    )
    external_ids: dict[CountryId, dict[Text(60), Text(200)]] = {}
    links: dict[CountryId, CountryLink] = {}
    entities: list[EntityRecord] = []

    @model_validator(mode="after")
    def _aliases_cited(self) -> "CountriesFile":
        """A curated alias of an ISO country is a name a cited quote uses (ISO's own names
        come from pycountry as reference data and are not repeated here)."""
        uncited = [
            f"{code}: {alias}"
            for code, aliases in self.aliases.items()
            for alias in aliases
            if not any(alias in c.quote for c in self.citations.get(code, []))
        ]
        if uncited:
            raise ValueError("aliases no quote in `citations` uses: " + ", ".join(uncited))
        return self


class SectorRecord(SeedModel):
    id: SectorId
    name: Text(200)
    parent: SectorId | None = None
    description: Prose | None = None


class SignatoryRecord(Cited, Provenanced):
    CHECKED = ("country",)
    id: RecordId
    name: Text(300)
    kind: SignatoryKind
    country: CountryId | None = None
    aliases: list[Text(300)] = []
    description: Prose | None = None
    external_ids: dict[Text(60), Text(200)] = {}


class VisitRecord(Dated, Cited, Provenanced):
    CHECKED = ("kind", "guest", "guest_title", "guest_country", "host_country", "city", "date")
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


class EventRecord(Dated, Cited, Provenanced):
    CHECKED = ("date",)
    action: EventAction
    country: CountryId | None = None
    note: Prose | None = None

    def event_id(self, agreement_id: str) -> str:
        return f"{agreement_id}--{self.action}--{self.country or 'all'}"


class AgreementRecord(Dated, Cited, Provenanced):
    CHECKED = (
        "kind",
        "date",
        "place",
        "place_country",
        "status",
        "visit",
        "parties",
        "signatories",
        "sectors",
        "references",
    )
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
    references: list[RecordId] = Field(
        [], description="Other agreements this one refers to (the Joint Statement to UNCLOS)."
    )

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


class RelationRecord(Dated, Cited, Provenanced):
    CHECKED = ("date", "agreement")
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


class BodyRecord(Dated, Cited, Provenanced):
    """A standing body of two (or more) countries: an intergovernmental committee, say.
    `date` is when it was established, if a source says."""

    CHECKED = ("kind", "countries", "date")
    id: RecordId
    name: Text(300)
    kind: BodyKind
    aliases: list[Text(300)] = []
    countries: list[CountryId] = Field(min_length=1)
    summary: Prose | None = None

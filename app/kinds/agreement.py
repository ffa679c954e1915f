"""A treaty, MoU, letter of intent, joint statement, programme or other agreement, with each
party's actions on it (its events, records of their own)."""

from typing import Annotated, Any

from pydantic import Field

from app.dates import DATE_COLUMNS
from app.kinds.declaration import Children, Column, Kind, Ref, Rules, SeedFile, Shown, Sourced
from app.kinds.fields import CountryId, Prose, RecordId, SectorId
from app.kinds.provenance import Entries, inferred
from app.kinds.shapes import Cited, Dated, Provenanced, SeedModel, Text
from app.models import Agreement, AgreementEvent
from app.schemas.agreements import AgreementQuery
from app.vocabulary import AgreementKind, EventAction


class PartyRecord(SeedModel):
    country: Annotated[CountryId, Column("country_id"), Ref("country")]
    inferred_reason: Prose | None = None


class SignerRecord(SeedModel):
    signatory: Annotated[RecordId, Column("signatory_id"), Ref("signatory")]
    role: Text(20)
    side: Annotated[CountryId | None, Column("side_id"), Ref("country")] = None


class EventRecord(Dated, Cited, Provenanced):
    action: Annotated[EventAction, Sourced()]
    country: Annotated[CountryId | None, Column("country_id"), Ref("country")] = None
    note: Prose | None = None

    def event_id(self, agreement_id: str) -> str:
        return f"{agreement_id}--{self.action}--{self.country or 'all'}"


class AgreementRecord(Dated, Cited, Provenanced):
    id: RecordId
    title: Text(500)
    aliases: list[Text(300)] = []
    kind: Annotated[AgreementKind, Sourced()]
    place: Annotated[Text(200) | None, Sourced()] = None
    place_country: Annotated[
        CountryId | None, Column("place_country_id"), Ref("country"), Sourced()
    ] = None
    summary: Prose | None = None
    status: Annotated[Text(40) | None, Sourced()] = None
    visit: Annotated[RecordId | None, Column("visit_id"), Ref("visit"), Sourced()] = None
    parties: Annotated[
        list[PartyRecord], Children("parties", key=("country",)), Shown("party_codes"), Sourced()
    ] = []
    signatories: Annotated[
        list[SignerRecord],
        Children("signatories", position="position", key=("signatory", "role")),
        Sourced(),
    ] = []
    sectors: Annotated[
        list[SectorId], Children("sectors", value="sector_id"), Ref("sector"), Sourced()
    ] = []
    events: Annotated[
        list[EventRecord], Children("events", kind="event", key=("action", "country"))
    ] = []
    references: Annotated[
        list[RecordId], Children("references", value="referenced_id"), Ref("agreement"), Sourced()
    ] = Field(
        [], description="Other agreements this one refers to (the Joint Statement to UNCLOS)."
    )


def not_itself(checker: Rules, agreement: AgreementRecord) -> None:
    for i, other in enumerate(agreement.references):
        if other == agreement.id:
            checker.add(("references", i), "an agreement cannot refer to itself")


def inferred_parties(agreement: AgreementRecord) -> Entries:
    return {
        f"parties.{p.country}": inferred(p.inferred_reason)
        for p in agreement.parties
        if p.inferred_reason
    }


def referenced_first(agreements: list[AgreementRecord]) -> list[AgreementRecord]:
    """Agreements ordered so that each comes after those it refers to (cycles kept as given)."""
    by_id = {a.id: a for a in agreements}
    ordered: dict[str, AgreementRecord] = {}

    def visit(a: AgreementRecord, seen: frozenset[str] = frozenset()) -> None:
        for other in a.references:
            if other in by_id and other not in seen | {a.id}:
                visit(by_id[other], seen | {a.id})
        ordered.setdefault(a.id, a)

    for a in agreements:
        visit(a)
    return list(ordered.values())


def event_id(event: EventRecord, agreement_id: str) -> str:
    return event.event_id(agreement_id)


def event_row_problems(row: dict[str, Any]) -> list[tuple[str, str]]:
    expected = f"{row['agreement_id']}--{row['action']}--{row['country_id'] or 'all'}"
    return [("id", f"an event's id must be {expected!r}")] if row["id"] != expected else []


KIND = Kind(
    name="agreement",
    plural="agreements",
    model=Agreement,
    shape=AgreementRecord,
    seed_file=SeedFile(
        "agreements.yaml",
        (
            *("id", "title", "aliases", "kind", "date", "date_inferred", "date_inferred_reason"),
            *("place", "place_country", "summary", "status", "provenance", "visit", "parties"),
            *("signatories", "sectors", "references", "events", "citations"),
        ),
        inline=("signatories",),
    ),
    writable=True,
    citable=True,
    search=("title", "aliases", "summary", "place", "signatories.signatory"),
    csv_columns=(
        *("id", "title", "kind", *DATE_COLUMNS, "party_codes", "party_names", "sectors"),
        *("sector_names", "visit_id"),
    ),
    filters=AgreementQuery,
    seed_order=referenced_first,
    rules=not_itself,
    computed_provenance=inferred_parties,
)
EVENT = Kind(
    name="event",
    plural="events",
    model=AgreementEvent,
    shape=EventRecord,
    seed_file=SeedFile(
        "agreements.yaml",
        (
            *("action", "country", "date", "date_inferred", "date_inferred_reason", "note"),
            *("provenance", "citations"),
        ),
    ),
    citable=True,
    parent="agreement",
    record_id=event_id,
    row_problems=event_row_problems,
)

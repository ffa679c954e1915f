"""A milestone in two countries' relations: diplomatic relations, a partnership level."""

from typing import Annotated

from pydantic import Field

from app.kinds.declaration import Column, Columns, Kind, Ref, SeedFile, Shown, Sourced
from app.kinds.fields import CountryId, Prose, RecordId
from app.kinds.shapes import Cited, Dated, Provenanced, Text
from app.models import RelationEvent
from app.vocabulary import MilestoneDirection


class RelationRecord(Dated, Cited, Provenanced):
    id: RecordId
    kind: Annotated[Text(40), Sourced()]
    title: Text(300)
    countries: Annotated[
        list[CountryId],
        Columns(("country_a_id", "country_b_id")),
        Ref("country"),
        Shown("country_ids"),
        Sourced(),
    ] = Field(min_length=2, max_length=2)
    direction: Annotated[MilestoneDirection, Sourced()] = "mutual"
    agreement: Annotated[RecordId | None, Column("agreement_id"), Ref("agreement"), Sourced()] = (
        None
    )
    summary: Prose | None = None


KIND = Kind(
    name="relation",
    plural="relations",
    model=RelationEvent,
    shape=RelationRecord,
    seed_file=SeedFile(
        "relations.yaml",
        (
            *("id", "kind", "title", "countries", "direction", "date", "date_inferred"),
            *("date_inferred_reason", "agreement", "summary", "provenance", "citations"),
        ),
    ),
    citable=True,
)

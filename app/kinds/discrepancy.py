"""A point on which the sources disagree (or leave open), with each reading and its quote."""

from typing import Annotated

from pydantic import Field

from app.kinds.declaration import Children, Column, Kind, Rules, SeedFile
from app.kinds.fields import Prose, Quote, RecordId, RecordKey
from app.kinds.shapes import SeedModel, SourceId, Text
from app.models import Discrepancy


class RecordRef(SeedModel):
    """Any record, by its kind and id."""

    type: Annotated[Text(20), Column("record_type")]
    id: Annotated[RecordKey, Column("record_id")]


class ReadingRecord(SeedModel):
    value: Prose
    source: SourceId
    quote: Quote


class DiscrepancyRecord(SeedModel):
    id: RecordId
    record: RecordRef
    field: Text(60)
    description: Prose
    readings: Annotated[list[ReadingRecord], Children("readings", position="position")] = Field(
        min_length=2
    )


def names_a_record(checker: Rules, discrepancy: DiscrepancyRecord) -> None:
    checker.any_record(("record",), discrepancy.record.type, discrepancy.record.id)


KIND = Kind(
    name="discrepancy",
    plural="discrepancies",
    model=Discrepancy,
    shape=DiscrepancyRecord,
    seed_file=SeedFile("discrepancies.yaml", ("id", "record", "field", "description", "readings")),
    rules=names_a_record,
)

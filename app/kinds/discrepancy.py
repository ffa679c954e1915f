"""A point on which the sources disagree (or leave open), with each reading and its quote."""

from typing import Annotated

from pydantic import Field, model_validator

from app.kinds.declaration import Anchored, Children, Column, Kind, Rules, SeedFile
from app.kinds.fields import Prose, Quote, RecordId, RecordKey
from app.kinds.shapes import SeedModel, SourceId, Text
from app.models import Discrepancy


class RecordRef(SeedModel):
    """Any record, by its kind and id."""

    type: Annotated[Text(20), Column("record_type")]
    id: Annotated[RecordKey, Column("record_id")]


class ReadingRecord(SeedModel):
    """What one source says on the point: `value` is words of its `quote` (the reading as the
    source states it; the curators' deductions belong in the discrepancy's description)."""

    value: Prose
    source: SourceId
    quote: Annotated[Quote, Anchored()]

    @model_validator(mode="after")
    def _value_is_quoted(self) -> "ReadingRecord":
        problem = unquoted_reading(self.value, self.quote)
        if problem:
            raise ValueError(problem)
        return self


def unquoted_reading(value: str, quote: str) -> str | None:
    """Why a reading's value is not what its quote states, or None."""
    return None if value in quote else "a reading's value must be words of its quote"


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

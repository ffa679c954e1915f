"""What a party says, proposes, pledges or assesses: President Aliyev's remarks after the
Baku talks, the solutions Tô Lâm outlined, what both sides pledged. A statement is made by
one or more countries, through a speaker where a source names one."""

from typing import Annotated

from pydantic import Field

from app.dates import DATE_COLUMNS
from app.kinds.declaration import Children, Column, Kind, Ref, SeedFile, Shown, Sourced
from app.kinds.fields import CountryId, Prose, RecordId, SectorId
from app.kinds.shapes import Cited, Dated, Provenanced, Text
from app.models import Statement
from app.schemas.statements import StatementQuery
from app.vocabulary import StatementKind


class StatementRecord(Dated, Cited, Provenanced):
    id: RecordId
    title: Text(300)
    kind: Annotated[StatementKind, Sourced()]
    speaker: Annotated[RecordId | None, Column("speaker_id"), Ref("signatory"), Sourced()] = None
    countries: Annotated[
        list[CountryId],
        Children("countries", value="country_id"),
        Ref("country"),
        Shown("country_ids"),
        Sourced(),
    ] = Field(min_length=1)
    visit: Annotated[RecordId | None, Column("visit_id"), Ref("visit"), Sourced()] = None
    sectors: Annotated[
        list[SectorId],
        Children("sectors", value="sector_id"),
        Ref("sector"),
        Shown("sector_ids"),
        Sourced(),
    ] = []
    references: Annotated[
        list[RecordId], Children("references", value="agreement_id"), Ref("agreement"), Sourced()
    ] = Field([], description="Instruments it invokes (the UN Charter, UNCLOS).")
    summary: Prose | None = None


KIND = Kind(
    name="statement",
    plural="statements",
    model=Statement,
    shape=StatementRecord,
    seed_file=SeedFile(
        "statements.yaml",
        (
            *("id", "title", "kind", "speaker", "countries", "visit", "date", "date_inferred"),
            *("date_inferred_reason", "sectors", "references", "summary", "provenance"),
            "citations",
        ),
    ),
    writable=True,
    citable=True,
    search=("title", "summary", "speaker"),
    csv_columns=(
        *("id", "title", "kind", *DATE_COLUMNS, "speaker_id", "country_ids", "sector_ids"),
        "visit_id",
    ),
    filters=StatementQuery,
)

"""A standing body of two or more countries: an intergovernmental committee, a commission.
`date` is when it was established, where a source says."""

from typing import Annotated

from pydantic import Field

from app.dates import DATE_COLUMNS
from app.kinds.declaration import Children, Kind, Ref, SeedFile, Shown, Sourced
from app.kinds.fields import CountryId, Prose, RecordId
from app.kinds.shapes import Cited, Dated, Provenanced, Text
from app.models import Body
from app.schemas.bodies import BodyQuery
from app.vocabulary import BodyKind


class BodyRecord(Dated, Cited, Provenanced):
    id: RecordId
    name: Text(300)
    kind: Annotated[BodyKind, Sourced()]
    aliases: list[Text(300)] = []
    countries: Annotated[
        list[CountryId],
        Children("countries", value="country_id"),
        Ref("country"),
        Shown("country_ids"),
        Sourced(),
    ] = Field(min_length=1)
    summary: Prose | None = None


KIND = Kind(
    name="body",
    plural="bodies",
    model=Body,
    shape=BodyRecord,
    seed_file=SeedFile(
        "bodies.yaml",
        (
            *("id", "name", "kind", "aliases", "countries", "date", "date_inferred"),
            *("date_inferred_reason", "summary", "provenance", "citations"),
        ),
    ),
    citable=True,
    search=("name", "aliases", "summary"),
    csv_columns=("id", "name", "kind", *DATE_COLUMNS, "country_ids", "country_names"),
    filters=BodyQuery,
)

"""An official visit: who went where and when; agreements point back to it."""

from typing import Annotated

from app.dates import DATE_COLUMNS
from app.kinds.declaration import Column, Kind, Ref, SeedFile, Sourced
from app.kinds.fields import CountryId, Prose, RecordId
from app.kinds.shapes import Cited, Dated, Provenanced, Text
from app.models import Visit
from app.schemas.visits import VisitQuery


class VisitRecord(Dated, Cited, Provenanced):
    id: RecordId
    title: Text(300)
    kind: Annotated[Text(20) | None, Sourced()] = None
    guest: Annotated[RecordId | None, Column("guest_id"), Ref("signatory"), Sourced()] = None
    guest_title: Annotated[Text(300) | None, Sourced()] = None
    guest_country: Annotated[
        CountryId | None, Column("guest_country_id"), Ref("country"), Sourced()
    ] = None
    host_country: Annotated[
        CountryId | None, Column("host_country_id"), Ref("country"), Sourced()
    ] = None
    city: Annotated[Text(120) | None, Sourced()] = None
    summary: Prose | None = None


KIND = Kind(
    name="visit",
    plural="visits",
    model=Visit,
    shape=VisitRecord,
    seed_file=SeedFile(
        "visits.yaml",
        (
            *("id", "title", "kind", "guest", "guest_title", "guest_country", "host_country"),
            *("city", "date", "date_inferred", "date_inferred_reason", "summary", "provenance"),
            "citations",
        ),
    ),
    writable=True,
    citable=True,
    search=("title", "summary", "city", "guest_title", "guest"),
    csv_columns=(
        *("id", "title", "kind", *DATE_COLUMNS, "guest_id", "guest_title"),
        *("guest_country_id", "guest_country_name", "host_country_id", "host_country_name"),
        "city",
    ),
    filters=VisitQuery,
)

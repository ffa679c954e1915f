"""Who signs or visits: a government, ministry, company, party, office or person."""

from typing import Annotated

from app.kinds.declaration import Column, Kind, Ref, SeedFile, Sourced
from app.kinds.fields import CountryId, Prose, RecordId
from app.kinds.provenance import CuratedIds
from app.kinds.shapes import Cited, Provenanced, Text
from app.models import Signatory
from app.schemas.signatories import SignatoryQuery
from app.vocabulary import SignatoryKind


class SignatoryRecord(Cited, Provenanced):
    id: RecordId
    name: Text(300)
    kind: Annotated[SignatoryKind, Sourced()]
    country: Annotated[CountryId | None, Column("country_id"), Ref("country"), Sourced()] = None
    aliases: list[Text(300)] = []
    description: Prose | None = None
    external_ids: CuratedIds = {}


KIND = Kind(
    name="signatory",
    plural="signatories",
    model=Signatory,
    shape=SignatoryRecord,
    seed_file=SeedFile(
        "signatories.yaml",
        (
            *("id", "name", "kind", "country", "aliases", "description", "external_ids"),
            *("provenance", "citations"),
        ),
    ),
    writable=True,
    citable=True,
    names=("name", "aliases"),
    search=("name", "aliases", "description"),
    csv_columns=("id", "name", "kind", "country_id", "country_name"),
    filters=SignatoryQuery,
)

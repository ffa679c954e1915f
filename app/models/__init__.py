"""ORM models; importing this package registers every table on `Base.metadata`."""

from app.models.agreement import (
    Agreement,
    AgreementEvent,
    AgreementParty,
    AgreementSector,
    AgreementSignatory,
)
from app.models.audit import ApiKey, Change, FeedPosition
from app.models.country import Country
from app.models.relation import RelationEvent
from app.models.sector import Sector
from app.models.signatory import Signatory
from app.models.source import Citation, Discrepancy, DiscrepancyReading, Source
from app.models.visit import Visit

__all__ = [
    "Agreement",
    "AgreementEvent",
    "AgreementParty",
    "AgreementSector",
    "AgreementSignatory",
    "ApiKey",
    "Change",
    "Citation",
    "Country",
    "Discrepancy",
    "DiscrepancyReading",
    "FeedPosition",
    "RelationEvent",
    "Sector",
    "Signatory",
    "Source",
    "Visit",
]

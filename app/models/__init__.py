"""ORM models; importing this package registers every table on `Base.metadata`."""

from app.models.agreement import (
    Agreement,
    AgreementEvent,
    AgreementParty,
    AgreementReference,
    AgreementSector,
    AgreementSignatory,
)
from app.models.audit import ApiKey, Change, FeedPosition
from app.models.body import Body, BodyCountry
from app.models.country import Country
from app.models.relation import RelationEvent
from app.models.sector import Sector
from app.models.seed_state import SeedState
from app.models.signatory import Signatory
from app.models.source import Citation, Discrepancy, DiscrepancyReading, Source
from app.models.statement import (
    Statement,
    StatementCountry,
    StatementReference,
    StatementSector,
)
from app.models.visit import Visit

__all__ = [
    "Agreement",
    "AgreementEvent",
    "AgreementParty",
    "AgreementReference",
    "AgreementSector",
    "AgreementSignatory",
    "ApiKey",
    "Body",
    "BodyCountry",
    "Change",
    "Citation",
    "Country",
    "Discrepancy",
    "DiscrepancyReading",
    "FeedPosition",
    "RelationEvent",
    "Sector",
    "SeedState",
    "Signatory",
    "Source",
    "Statement",
    "StatementCountry",
    "StatementReference",
    "StatementSector",
    "Visit",
]

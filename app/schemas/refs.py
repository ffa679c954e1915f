"""Small references embedded in other records' detail views."""

from pydantic import Field

from app.schemas.common import DatedOut, Out
from app.schemas.enums import SignatoryKind


class SignatoryRef(Out):
    id: str
    name: str
    kind: SignatoryKind
    country_id: str | None = Field(None, description="Country (or historical entity) id.")


class SectorRef(Out):
    id: str
    name: str
    parent_id: str | None = None


class AgreementRef(DatedOut):
    id: str
    title: str
    kind: str


class VisitRef(DatedOut):
    id: str
    title: str

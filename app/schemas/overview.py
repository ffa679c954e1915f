"""`/api/v1/overview`: what the database holds, at a glance (what `/` shows)."""

from pydantic import BaseModel, Field

from app.schemas.common import DatedOut, Out
from app.schemas.sources import SourceOut


class CountryPair(Out):
    """Two countries whose relations are recorded (`/api/v1/relations/{first}/{second}`)."""

    first_id: str = Field(examples=["AZ"])
    first_name: str = Field(examples=["Azerbaijan"])
    second_id: str = Field(examples=["VN"])
    second_name: str = Field(examples=["Vietnam"])
    milestones: int = Field(description="Milestones of their relations recorded.", examples=[4])


class NewestRecord(DatedOut):
    """A record among the newest of its kind: open it at `/api/v1/<kind>/{id}`."""

    id: str
    title: str


class NewestRecords(BaseModel):
    agreements: list[NewestRecord]
    visits: list[NewestRecord]
    statements: list[NewestRecord]


class Overview(BaseModel):
    """What the database holds: records of each kind, the pairs of countries whose relations
    are recorded, the newest records (latest dated first) and the source documents."""

    counts: dict[str, int] = Field(
        description="Records of each kind, by the kind's plural (`events`: the agreements' "
        "events; `relations`: milestones of relations; `discrepancies`: points on which "
        "sources disagree).",
        examples=[{"agreements": 11, "visits": 3}],
    )
    pairs: list[CountryPair]
    newest: NewestRecords = Field(description="The five latest dated records of each kind.")
    sources: list[SourceOut] = Field(description="The source documents (the first 100 by id).")

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import CursorParams, Out, QueryInt, SectorParam, cursor_field


class SectorQuery(BaseModel):
    """The filters of the sectors list, shared by its pages and its exports."""

    model_config = ConfigDict(extra="forbid")

    parent: SectorParam | None = Field(
        None,
        examples=["energy"],
        description="Only the direct children of this sector.",
    )


class SectorFilters(SectorQuery, CursorParams):
    cursor: str | None = cursor_field("WyJpZCIsImVuZXJneSIsImVuZXJneSJd")
    limit: QueryInt = Field(
        100, ge=1, le=100, description="Items per page (1–100).", examples=[100]
    )


class SectorOut(Out):
    id: str = Field(examples=["energy"])
    name: str
    parent_id: str | None
    agreement_count: int = Field(description="Agreements in this sector or any sub-sector.")


class SectorDetail(SectorOut):
    description: str | None
    ancestors: list[str] = Field(description="Ids from the root down to the parent.")
    children: list[str]

from pydantic import BaseModel, ConfigDict, Field

from app.schemas.common import (
    CitationOut,
    CountryRef,
    CursorParams,
    ExternalIds,
    ProvenancedOut,
    QueryText,
    WikidataId,
    cursor_field,
)


class CountryQuery(BaseModel):
    """The filters of the countries list, shared by its pages and its exports."""

    model_config = ConfigDict(extra="forbid")

    q: QueryText | None = Field(
        None,
        examples=["Azərbaycan"],
        description="Words in names (in any of the languages of `names`), aliases or codes; "
        "case- and accent-insensitive.",
    )
    historical: bool | None = Field(
        None,
        examples=[True],
        description="Only historical entities (true) or only current ISO 3166-1 countries (false).",
    )
    wikidata: WikidataId | None = Field(
        None, examples=["Q881"], description="Look up by Wikidata QID (a crosswalk id)."
    )


class CountryFilters(CountryQuery, CursorParams):
    cursor: str | None = cursor_field("WyJuYW1lIiwiVmlldCBOYW0iLCJWTiJd")


class CountryOut(CountryRef, ProvenancedOut):
    record_kind = "country"

    id: str = Field(examples=["VN"])
    numeric: str | None = None
    successor_id: str | None = None


class CountryDetail(CountryOut):
    official_name: str | None
    aliases: list[str]
    names: dict[str, str] = Field(
        description="The name by language (ISO 639-1): the parties' own (vi, az) and the UN "
        "languages (ar, zh, en, fr, ru, es), where pycountry translates it; reference data.",
        examples=[{"az": "Azərbaycan", "ru": "Азербайджан", "vi": "Ai-xợ-bai-gianh"}],
    )
    external_ids: ExternalIds
    valid_from: str | None
    valid_to: str | None
    note: str | None
    successor: CountryRef | None
    part_of: CountryRef | None
    predecessors: list[CountryRef] = Field(description="Historical entities this one succeeds.")
    citations: list[CitationOut]

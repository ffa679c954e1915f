from pydantic import Field

from app.schemas.common import (
    CitationOut,
    CountryRef,
    CursorParams,
    ExternalIds,
    QueryText,
    WikidataId,
    cursor_field,
)


class CountryFilters(CursorParams):
    cursor: str | None = cursor_field("WyJuYW1lIiwiVmlldCBOYW0iLCJWTiJd")
    q: QueryText | None = Field(
        None, examples=["viet nam"], description="Words in names, aliases or codes."
    )
    historical: bool | None = Field(
        None,
        examples=[True],
        description="Only historical entities (true) or only current ISO 3166-1 countries (false).",
    )
    wikidata: WikidataId | None = Field(
        None, examples=["Q881"], description="Look up by Wikidata QID (a crosswalk id)."
    )


class CountryOut(CountryRef):
    id: str = Field(examples=["VN"])
    numeric: str | None = None
    successor_id: str | None = None


class CountryDetail(CountryOut):
    official_name: str | None
    aliases: list[str]
    external_ids: ExternalIds
    valid_from: str | None
    valid_to: str | None
    note: str | None
    successor: CountryRef | None
    part_of: CountryRef | None
    predecessors: list[CountryRef] = Field(description="Historical entities this one succeeds.")
    citations: list[CitationOut]

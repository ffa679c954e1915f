from typing import Literal

from pydantic import Field

from app.schemas.common import (
    CitationOut,
    CountryRef,
    CursorParams,
    DatedDetailOut,
    DatedOut,
    DateParam,
    DiscrepancyOut,
    Out,
    QueryText,
)
from app.schemas.refs import SectorRef, SignatoryRef, VisitRef
from app.vocabulary import AgreementKind

MAX_REPEAT = 10


class AgreementFilters(CursorParams):
    country: list[str] = Field(
        [],
        max_length=MAX_REPEAT,
        examples=[["VN", "aze"]],
        description="Party, as ISO alpha-2 or alpha-3 in any case. Repeat it to require every "
        "country to be a party. A country also matches its predecessors' agreements (the "
        "Azerbaijan SSR's for `AZ`).",
    )
    sector: list[str] = Field(
        [],
        max_length=MAX_REPEAT,
        examples=[["energy"]],
        description="Sector slug, sub-sectors included (`energy` matches `oil-and-gas`). Repeat "
        "it to require every sector.",
    )
    kind: list[AgreementKind] = Field(
        [],
        max_length=MAX_REPEAT,
        examples=[["mou"]],
        description="Kind of document; repeated kinds match any.",
    )
    signatory: list[str] = Field(
        [],
        max_length=MAX_REPEAT,
        examples=[["petrovietnam"]],
        description="Signatory id (any role); repeat to require each.",
    )
    visit: str | None = Field(
        None,
        max_length=120,
        examples=["state-visit-to-lam-azerbaijan-2025"],
        description="Id of the visit the agreement was signed during.",
    )
    date_from: DateParam | None = Field(
        None,
        examples=["2025"],
        description="`YYYY`, `YYYY-MM` or `YYYY-MM-DD`, inclusive. A "
        "record matches when its date (at whatever precision) overlaps the range.",
    )
    date_to: DateParam | None = Field(
        None, examples=["2025-12-31"], description="End of the range, inclusive; as `date_from`."
    )
    q: QueryText | None = Field(
        None,
        examples=["binh son"],
        description="Words to find in titles, other names, summaries, "
        "signatory names and places; case- and accent-insensitive.",
    )
    sort: Literal["date", "-date", "title", "-title"] = Field(
        "-date",
        examples=["-date"],
        description="Sort order; ties are broken by `id` in the same direction. "
        "Undated records come last.",
    )


class AgreementOut(DatedOut):
    """A row of the agreements list."""

    id: str = Field(examples=["mou-energy-vn-az-2025"])
    title: str
    kind: str
    party_codes: list[str] = Field(description="Ids of the parties (ISO alpha-2 for countries).")
    visit_id: str | None = None

    @classmethod
    def build(cls, row: object) -> "AgreementOut":
        return cls.model_validate({**_columns(row), "party_codes": _party_codes(row)})


class PartyOut(Out):
    country: CountryRef
    inferred: bool = Field(description="True when the party entity is inferred, not stated.")
    inferred_reason: str | None = None


class SignerOut(Out):
    signatory: SignatoryRef
    role: str = Field(examples=["signatory", "witness"])
    side: str | None = Field(
        None, validation_alias="side_id", description="Id of the country the signer acted for."
    )


class AgreementDetail(AgreementOut, DatedDetailOut):
    """Everything about one agreement, with the sources for each fact."""

    aliases: list[str]
    place: str | None
    place_country_id: str | None
    summary: str | None
    status: str | None
    parties: list[PartyOut]
    signatories: list[SignerOut]
    sectors: list[SectorRef]
    visit: VisitRef | None
    citations: list[CitationOut]
    discrepancies: list[DiscrepancyOut]

    @classmethod
    def build(cls, row: object, citations: list, discrepancies: list) -> "AgreementDetail":  # type: ignore[override]
        parties = [
            {
                "country": p.country,
                "inferred": p.inferred_reason is not None,
                "inferred_reason": p.inferred_reason,
            }
            for p in row.parties
        ]  # type: ignore[attr-defined]
        return cls.model_validate(
            {
                **_columns(row),
                "party_codes": _party_codes(row),
                "parties": parties,
                "signatories": row.signatories,  # type: ignore[attr-defined]
                "sectors": [s.sector for s in row.sectors],  # type: ignore[attr-defined]
                "visit": row.visit,  # type: ignore[attr-defined]
                "citations": citations,
                "discrepancies": discrepancies,
            }
        )


def _columns(row: object) -> dict[str, object]:
    return {
        c: getattr(row, c)
        for c in (
            "id",
            "title",
            "kind",
            "date",
            "date_precision",
            "date_inferred",
            "date_inferred_reason",
            "visit_id",
            "aliases",
            "place",
            "place_country_id",
            "summary",
            "status",
        )
    }


def _party_codes(row: object) -> list[str]:
    return [p.country_id for p in row.parties]  # type: ignore[attr-defined]

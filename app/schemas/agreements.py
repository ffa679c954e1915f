from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from app.schemas.common import (
    TRY_IT,
    CitationOut,
    CountryParam,
    CountryRef,
    CursorParams,
    DatedOut,
    DateParam,
    DiscrepancyOut,
    Out,
    Page,
    ProvenancedOut,
    QueryText,
    SectorParam,
    SignatoryParam,
    VisitParam,
    citation_json,
    cursor_field,
    reading_json,
    split_commas,
)
from app.schemas.enums import AgreementKind, EventAction, Facet, Include, Sort
from app.schemas.refs import AgreementRef, SectorRef, SignatoryRef, VisitRef

MAX_REPEAT = 10
INCLUDES: tuple[str, ...] = tuple(Include)
Format = Literal["json", "csv", "ndjson"]


class AgreementQuery(BaseModel):
    """The filters and sort of an agreements list, shared by the JSON pages and the exports."""

    model_config = ConfigDict(extra="forbid")

    country: list[CountryParam] = Field(
        [],
        max_length=MAX_REPEAT,
        examples=[["AZ"]],
        json_schema_extra=TRY_IT,
        description="Party, as ISO alpha-2 or alpha-3 in any case. Repeat it to require every "
        "country to be a party. A country also matches its predecessors' agreements (the "
        "Azerbaijan SSR's for `AZ`).",
    )
    sector: list[SectorParam] = Field(
        [],
        max_length=MAX_REPEAT,
        examples=[["energy"]],
        json_schema_extra=TRY_IT,
        description="Sector slug, sub-sectors included (`energy` matches `oil-and-gas`). Repeat "
        "it to require every sector.",
    )
    kind: list[AgreementKind] = Field(
        [],
        max_length=MAX_REPEAT,
        examples=[["mou"]],
        description="Kind of document; repeated kinds match any.",
    )
    signatory: list[SignatoryParam] = Field(
        [],
        max_length=MAX_REPEAT,
        examples=[["petrovietnam"]],
        description="Signatory id (any role); repeat to require each.",
    )
    visit: VisitParam | None = Field(
        None,
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
    sort: Sort = Field(
        Sort.DATE_DESC,
        examples=["-date"],
        description="Sort order; ties are broken by `id` in the same direction. "
        "Undated records come last.",
    )
    as_of: DateParam | None = Field(
        None,
        examples=["2026-01-01"],
        description="Only agreements in force on that day: entered into force (by a recorded, "
        "cited event) on or before it and not terminated by then. Agreements with no recorded "
        "entry into force are left out.",
    )


class AgreementFilters(AgreementQuery, CursorParams):
    cursor: str | None = cursor_field(
        "WyItZGF0ZSIsIjIwMjUtMDEtMDEiLCJtb3UtY3VsdHVyZS12bi1hei0yMDI1Il0"
    )
    include: list[Include] = Field(
        [],
        max_length=5,
        examples=[["parties", "sectors"]],
        description="Embed these in each row, so a page needs one request (a constant number "
        "of SQL statements whatever the page size).",
    )
    facets: list[Facet] = Field(
        [],
        max_length=5,
        examples=[["country", "sector", "year"]],
        description="Counts by facet for the current filters: `country`, `sector` (sub-sectors "
        "roll up into their parents), `kind`, `year`, `decade`.",
    )
    format: Format | None = Field(
        None,
        description="Kept for old links, left out of the spec: `csv` or `ndjson` answers as "
        "`/agreements.csv` or `/agreements.ndjson` do.",
        json_schema_extra={"x-undeclared": True},
    )

    _split = field_validator("include", "facets", mode="before")(split_commas)


LIST_CONTROLS = frozenset(
    {"sort", *(set(AgreementFilters.model_fields) - set(AgreementQuery.model_fields))}
)
"""The parameters of a list that are not filters: its sort, paging, embeds and facets."""


def filter_names(model: type[BaseModel]) -> list[str]:
    """The agreement filters `model` declares: its fields but the list's controls. A field
    added to `AgreementQuery` is a filter of every engine's lists from then on (see
    `app.queries.agreements`)."""
    return [name for name in model.model_fields if name not in LIST_CONTROLS]


def active_filters(f: AgreementQuery) -> dict[str, Any]:
    """The filters a request sets, by name, as given."""
    return {
        name: value
        for name in filter_names(type(f))
        if (value := getattr(f, name)) not in (None, [])
    }


@dataclass(frozen=True)
class Selection:
    """An agreements list's filters resolved once per request (an unknown id is a 422 by
    then), by the name of the filter: the page, the total and the facets all come from this
    value, whichever engine answers them. Resolved values:

    - `country`: per code given, the ids of the country and its predecessors (all must match:
      any id of each);
    - `sector`: per slug given, the ids of the sector and its sub-sectors (all must match);
    - `signatory`: ids (all must match); `kind`: kinds (any); `visit`: an id;
    - `date_from`, `date_to`: the `PartialDate`s given (the record's dates overlap them);
    - `as_of`: the last day of the date given; `q`: the text given.
    """

    filters: Mapping[str, Any] = field(default_factory=dict)
    sort: str = "-date"


def embed(description: str) -> Any:
    """An embed of a list row: absent (never null) unless `include=` names it."""
    return Field(None, description=description, exclude_if=lambda value: value is None)


class AgreementOut(DatedOut, ProvenancedOut):
    """A row of the agreements list; `include=` adds the embedded records it names (absent
    otherwise)."""

    record_kind = "agreement"

    id: str = Field(examples=["mou-energy-vn-az-2025"])
    title: str
    kind: AgreementKind
    party_codes: list[str] = Field(
        description="Ids of the parties (ISO alpha-2 for countries); a party the sources do "
        "not name is inferred: `provenance` says so as `party_codes[<id>]`."
    )
    visit_id: str | None = None
    parties: "list[PartyOut] | None" = embed("With `include=parties`.")
    signatories: "list[SignerOut] | None" = embed("With `include=signatories`.")
    sectors: list[SectorRef] | None = embed("With `include=sectors`.")
    visit: VisitRef | None = embed("With `include=visit`, where it has one (see `visit_id`).")
    citations: list[CitationOut] | None = embed("With `include=citations`.")


class PartyOut(Out):
    country: CountryRef
    inferred: bool = Field(
        description="True when the party is inferred, not stated: derived from the "
        'agreement\'s `provenance["party_codes[<id>]"]`, which gives the reason.'
    )


class SignerOut(Out):
    signatory: SignatoryRef
    role: str = Field(examples=["signatory", "witness"])
    side: str | None = Field(
        None,
        validation_alias=AliasChoices("side_id", "side"),
        description="Id of the country the signer acted for.",
    )


class EventOut(DatedOut, ProvenancedOut):
    """One party's action on the agreement (signature, ratification, entry into force...)."""

    record_kind = "event"

    id: str
    action: EventAction
    country_id: str | None = Field(description="The acting party; null for a joint act.")
    note: str | None = None
    citations: list[CitationOut]


class AgreementDetail(AgreementOut):
    """Everything about one agreement, with the sources for each fact."""

    aliases: list[str]
    place: str | None
    place_country_id: str | None
    summary: str | None
    status: str | None
    parties: list[PartyOut]  # type: ignore[assignment]
    signatories: list[SignerOut]  # type: ignore[assignment]
    sectors: list[SectorRef]  # type: ignore[assignment]
    visit: VisitRef | None
    citations: list[CitationOut]  # type: ignore[assignment]
    events: list[EventOut] = Field(description="Per-party actions, in date order.")
    references: list[AgreementRef] = Field(
        description="Agreements this one refers to (the Joint Statement to UNCLOS)."
    )
    referenced_by: list[AgreementRef] = Field(description="Agreements that refer to this one.")
    discrepancies: list[DiscrepancyOut]


class AgreementPage(Page[AgreementOut]):
    """A page of agreements, with facet counts when asked for."""


# The lean read path: an agreement's rows (see `app.queries.agreements`) as plain JSON data,
# each dict equal to what the model above dumps (tests/api/test_agreements_json.py), with its
# keys in the model's field order, so no model is built on the way to the response bytes.
#
# Rows are unpacked in their statements' column order: a list row (and a detail's first
# columns) in `ROW_COLUMNS`' order (id, title, kind, date, date_precision, date_inferred,
# visit_id, provenance), the embeds' in `_PARTIES`', `_SIGNERS`' and `_SECTORS`' (all in
# app.queries.agreements). A Row's attribute costs about 330 ns, several times what
# unpacking it does, and a page reads a hundred of them.
_PROVENANCE = 7
"""The position of `provenance` in `ROW_COLUMNS`; the columns before it are the row's own."""

EMBEDS: tuple[str, ...] = ("parties", "signatories", "sectors", "visit", "citations")
"""The embeds in `AgreementOut`'s field order (the order of the JSON, whatever `include`'s)."""


def agreement_json(row: Any, links: Any, include: Sequence[str]) -> dict[str, object]:
    """A list row: `AgreementOut` dumped, so only the embeds asked for appear (a `visit` only
    where it has one). Its `provenance` is left empty, for `app.api.provenance` to fill."""
    item = _row_json(row, links)
    for name in EMBEDS:
        if name in include and (embedded := _EMBED_JSON[name](row, links)) is not None:
            item[name] = embedded
    return item


def agreement_detail_json(detail: Any) -> dict[str, object]:
    """`AgreementDetail` dumped (every field, defaults included)."""
    row, links = detail.row, detail.links
    item = _row_json(row, links)
    for name in EMBEDS:
        item[name] = _EMBED_JSON[name](row, links)
    return {
        **item,
        "aliases": row.aliases,
        "place": row.place,
        "place_country_id": row.place_country_id,
        "summary": row.summary,
        "status": row.status,
        "events": [
            {
                "provenance": {},
                **_dated_json(e),
                "id": e.id,
                "action": e.action,
                "country_id": e.country_id,
                "note": e.note,
                "citations": citations_json(detail.event_citations.get(e.id, ())),
            }
            for e in detail.events
        ],
        "references": [_reference_json(r) for r in detail.references],
        "referenced_by": [_reference_json(r) for r in detail.referenced_by],
        "discrepancies": [
            {
                "id": d.id,
                "field": d.field,
                "description": d.description,
                "readings": [reading_json(r) for r in d.readings],
            }
            for d in detail.discrepancies
        ],
    }


def citations_json(citations: Sequence[Any]) -> list[dict[str, Any]]:
    return [citation_json(c) for c in citations]


def _dated_json(row: Any) -> dict[str, object]:
    return {
        "date": row.date,
        "date_precision": row.date_precision,
        "date_inferred": row.date_inferred,
    }


def _row_json(row: Any, links: Any) -> dict[str, object]:
    """The columns of a row (unpacked in `ROW_COLUMNS`' order, see below)."""
    id_, title, kind, date, precision, inferred, visit_id = row[:_PROVENANCE]
    return {
        "provenance": {},
        "date": date,
        "date_precision": precision,
        "date_inferred": inferred,
        "id": id_,
        "title": title,
        "kind": kind,
        "party_codes": [party[1] for party in links.parties.get(id_, ())],
        "visit_id": visit_id,
    }


def _reference_json(row: Any) -> dict[str, object]:
    return {**_dated_json(row), "id": row.id, "title": row.title, "kind": row.kind}


def _parties_json(row: Any, links: Any) -> list[dict[str, object]]:
    return [
        {
            "country": {
                "id": code,
                "name": name,
                "alpha2": alpha2,
                "alpha3": alpha3,
                "is_historical": historical,
            },
            "inferred": reason is not None,
        }
        for _, code, reason, name, alpha2, alpha3, historical in links.parties.get(row.id, ())
    ]


def _signatories_json(row: Any, links: Any) -> list[dict[str, object]]:
    return [
        {
            "signatory": {"id": id_, "name": name, "kind": kind, "country_id": country},
            "role": role,
            "side": side,
        }
        for _, id_, name, kind, country, role, side in links.signatories.get(row.id, ())
    ]


def _sectors_json(row: Any, links: Any) -> list[dict[str, object]]:
    return [
        {"id": id_, "name": name, "parent_id": parent}
        for _, id_, name, parent in links.sectors.get(row.id, ())
    ]


def download_names(row: Any, links: Any) -> dict[str, list[str]]:
    """A CSV row's columns beyond the list item's: its sectors, and the names beside the
    codes (each party's and each sector's)."""
    sectors = links.sectors.get(row.id, ())
    return {
        "party_names": [name for _, _, _, name, *_ in links.parties.get(row.id, ())],
        "sectors": [id_ for _, id_, _, _ in sectors],
        "sector_names": [name for _, _, name, _ in sectors],
    }


def _visit_json(row: Any, links: Any) -> dict[str, object] | None:
    visit = links.visits.get(row.visit_id)
    return visit and {**_dated_json(visit), "id": visit.id, "title": visit.title}


_EMBED_JSON = {
    "parties": _parties_json,
    "signatories": _signatories_json,
    "sectors": _sectors_json,
    "visit": _visit_json,
    "citations": lambda row, links: citations_json(links.citations.get(row.id, ())),
}

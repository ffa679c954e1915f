"""A page per record (agreement, visit, statement, signatory, country, standing body): its
values, each with how it is known, read from the detail the API answers."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import BaseModel
from sqlalchemy.orm import Session

from app.api.deps import SessionDep
from app.api.v1.agreements import agreement_detail
from app.api.v1.bodies import body_detail
from app.api.v1.countries import country_detail
from app.api.v1.signatories import signatory_detail
from app.api.v1.statements import statement_detail
from app.api.v1.visits import visit_detail
from app.pages.evidence import Field, dated, evidence, ids, mapping, refs, text
from app.pages.render import page
from app.queries.citations import citations_for
from app.queries.sources import source_titles

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True)
class RecordPage:
    kind: str
    """The record type its citations name (`agreement`)."""
    plural: str
    """Its path segment, here and under /api/v1 (`agreements`)."""
    detail: Callable[[Session, str], Any]
    """The API's detail builder: what `GET /api/v1/<plural>/<id>` answers."""
    fields: tuple[Field, ...]


COUNTRIES = "/countries"
AGREEMENTS = "/agreements"
BY_SECTOR = "/agreements?sector="

PAGES = (
    RecordPage(
        "agreement",
        "agreements",
        agreement_detail,
        (
            Field("title", "Title", text("title")),
            Field("kind", "Kind", text("kind")),
            Field("status", "Status", text("status")),
            Field("date", "Date", dated),
            Field("place", "Place", text("place")),
            Field("place_country_id", "Country of signing", ids("place_country_id", COUNTRIES)),
            Field("party_codes", "Parties", refs("parties", COUNTRIES, "country")),
            Field("signatories", "Signatories", refs("signatories", "/signatories", "signatory")),
            Field("sectors", "Sectors", refs("sectors", BY_SECTOR)),
            Field("visit_id", "Signed during", refs("visit", "/visits")),
            Field("references", "Refers to", refs("references", AGREEMENTS)),
            Field("referenced_by", "Referred to by", refs("referenced_by", AGREEMENTS)),
            Field("aliases", "Also called", text("aliases")),
        ),
    ),
    RecordPage(
        "visit",
        "visits",
        visit_detail,
        (
            Field("kind", "Kind", text("kind")),
            Field("date", "Date", dated),
            Field("guest_id", "Guest", refs("guest", "/signatories")),
            Field("guest_title", "Guest's title", text("guest_title")),
            Field("guest_country_id", "Guest's country", refs("guest_country", COUNTRIES)),
            Field("host_country_id", "Host country", refs("host_country", COUNTRIES)),
            Field("city", "City", text("city")),
            Field("agreements", "Agreements signed", refs("agreements", AGREEMENTS)),
        ),
    ),
    RecordPage(
        "statement",
        "statements",
        statement_detail,
        (
            Field("kind", "Kind", text("kind")),
            Field("date", "Date", dated),
            Field("speaker_id", "Speaker", refs("speaker", "/signatories")),
            Field("country_ids", "Made by", refs("countries", COUNTRIES)),
            Field("sector_ids", "Sectors", refs("sectors", BY_SECTOR)),
            Field("visit_id", "During", refs("visit", "/visits")),
            Field("references", "Invokes", refs("references", AGREEMENTS)),
        ),
    ),
    RecordPage(
        "signatory",
        "signatories",
        signatory_detail,
        (
            Field("kind", "Kind", text("kind")),
            Field("country_id", "Country", refs("country", COUNTRIES)),
            Field("description", "Description", text("description")),
            Field("aliases", "Also called", text("aliases")),
            Field("external_ids", "Identifiers", mapping("external_ids")),
            Field("agreements", "Agreements", ids("agreement_ids", AGREEMENTS)),
        ),
    ),
    RecordPage(
        "country",
        "countries",
        country_detail,
        (
            Field("official_name", "Official name", text("official_name")),
            Field("alpha2", "ISO alpha-2", text("alpha2")),
            Field("alpha3", "ISO alpha-3", text("alpha3")),
            Field("numeric", "ISO numeric", text("numeric")),
            Field("is_historical", "Historical", text("is_historical")),
            Field("valid_from", "From", text("valid_from")),
            Field("valid_to", "To", text("valid_to")),
            Field("successor_id", "Succeeded by", refs("successor", COUNTRIES)),
            Field("part_of", "Part of", refs("part_of", COUNTRIES)),
            Field("predecessors", "Predecessors", refs("predecessors", COUNTRIES)),
            Field("aliases", "Also called", text("aliases")),
            Field("names", "Names by language", mapping("names")),
            Field("external_ids", "Identifiers", mapping("external_ids")),
            Field("note", "Note", text("note")),
        ),
    ),
    RecordPage(
        "body",
        "bodies",
        body_detail,
        (
            Field("kind", "Kind", text("kind")),
            Field("date", "Date", dated),
            Field("country_ids", "Countries", refs("countries", COUNTRIES)),
            Field("aliases", "Also called", text("aliases")),
        ),
    ),
)


def record_context(session: Session, spec: RecordPage, record_id: str) -> dict[str, Any]:
    """What a record's page shows: the detail, its facts with their evidence, its
    discrepancies, and (for an agreement) each party's actions with their quotes."""
    detail = spec.detail(session, record_id)
    if isinstance(detail, BaseModel):
        detail = detail.model_dump(mode="json")
    citations = citations_for(session, spec.kind, [detail["id"]])[detail["id"]]
    events = detail.get("events") or []
    event_citations = citations_for(session, "event", [e["id"] for e in events])
    quoted = [c.source_id for c in citations] + [
        r["source"] for d in detail.get("discrepancies") or [] for r in d["readings"]
    ]
    quoted += [c.source_id for cs in event_citations.values() for c in cs]
    return {
        "title": detail.get("title") or detail.get("name") or detail["id"],
        "kind": spec.kind,
        "record": detail,
        "summary": detail.get("summary") or detail.get("description"),
        "discrepancies": detail.get("discrepancies") or [],
        "evidence": evidence(detail, spec.fields, citations),
        "events": [{**e, "citations": event_citations[e["id"]]} for e in events],
        "json_href": f"/api/v1/{spec.plural}/{detail['id']}",
        "sources": source_titles(session, quoted),
    }


def add_record_route(spec: RecordPage) -> None:
    async def record_page(request: Request, record_id: str, session: SessionDep) -> Response:
        return await page(
            request, session, "record.html", lambda s: record_context(s, spec, record_id)
        )

    router.add_api_route(
        f"/{spec.plural}/{{record_id}}", record_page, methods=["GET"], name=f"{spec.kind}_page"
    )


for spec in PAGES:
    add_record_route(spec)

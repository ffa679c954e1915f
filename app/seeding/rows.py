"""ORM rows built from validated records: shared by seeding, the write API and import."""

import gettext
from collections.abc import Callable, Iterable
from functools import cache

import pycountry
from sqlalchemy import delete, tuple_
from sqlalchemy.orm import Session

from app.dates import parse_partial_date
from app.models import (
    Agreement,
    AgreementEvent,
    AgreementParty,
    AgreementReference,
    AgreementSector,
    AgreementSignatory,
    Body,
    BodyCountry,
    Citation,
    Country,
    RelationEvent,
    Sector,
    Signatory,
    Visit,
)
from app.records.shapes import (
    AgreementRecord,
    BodyRecord,
    CitationIn,
    CountriesFile,
    Dated,
    Provenanced,
    RelationRecord,
    SectorRecord,
    SignatoryRecord,
    VisitRecord,
)
from app.text import search_text

NamesOf = Callable[[str], list[str]]
"""A signatory's name and aliases by id (for the search text of records that mention it)."""


def dated(record: Dated) -> dict[str, object]:
    """The date columns of a record: the text, its precision and the interval it covers."""
    if record.date is None:
        return {
            "date": None,
            "date_precision": None,
            "date_start": None,
            "date_end": None,
            "date_inferred": False,
            "date_inferred_reason": None,
        }
    parsed = parse_partial_date(record.date)
    return {
        "date": parsed.text,
        "date_precision": parsed.precision,
        "date_start": parsed.start,
        "date_end": parsed.end,
        "date_inferred": record.date_inferred,
        "date_inferred_reason": record.date_inferred_reason,
    }


ISO_3166_1 = "ISO 3166-1 (pycountry)"
ISO_3166_3 = "ISO 3166-3 (pycountry)"
ISO_NAMES = "ISO 3166 names in other languages (pycountry's iso-codes translations)"
EXTERNAL_ID_DATASETS = {"wikidata": "Wikidata (QID supplied by the curators, never fetched)"}
NAME_LANGUAGES = {
    "vi": "vi",
    "az": "az",
    "ar": "ar",
    "zh": "zh_CN",
    "fr": "fr",
    "ru": "ru",
    "es": "es",
}
"""Languages of country `names`: the parties' own (vi, az) and the UN's (en is the ISO name)."""


def inferred(reason: str) -> dict[str, str]:
    return {"basis": "inferred", "reason": reason}


def reference(dataset: str) -> dict[str, str]:
    return {"basis": "reference", "dataset": dataset}


def provenance(
    record: Provenanced | None = None,
    external_ids: dict[str, str] | None = None,
    **more: dict[str, str],
) -> dict[str, dict[str, str]]:
    """The stored provenance map of a record: the seed's own entries, an inferred `date`,
    each external id as reference data, and `more` (computed entries such as inferred parties).
    Fields left out are cited."""
    entries: dict[str, dict[str, str]] = {}
    if isinstance(record, Dated) and record.date_inferred and record.date_inferred_reason:
        entries["date"] = inferred(record.date_inferred_reason)
    for key in external_ids or {}:
        dataset = EXTERNAL_ID_DATASETS.get(key, ISO_3166_1 if key.startswith("iso3166") else key)
        entries[f"external_ids.{key}"] = reference(dataset)
    if record is not None:
        entries |= {k: v.model_dump(exclude_none=True) for k, v in record.provenance.items()}
    return entries | more


@cache
def _catalog(domain: str, language: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, [language], fallback=True)


def country_names(iso_name: str, display_name: str, historical: bool) -> dict[str, str]:
    """The country's name in each of NAME_LANGUAGES where pycountry translates it."""
    domain = "iso3166-3" if historical else "iso3166-1"
    names = {"en": display_name}
    for code, locale in NAME_LANGUAGES.items():
        translated = _catalog(domain, locale).gettext(iso_name)
        if translated != iso_name:
            names[code] = translated
    return names


def country_reference_data(row: Country, iso_name: str | None, seed: CountriesFile) -> None:
    """Fill a country row's `names` and `provenance`: ISO codes and names are reference data
    (ISO 3166 via pycountry), curated aliases are cited, Wikidata ids labelled as such."""
    dataset = ISO_3166_3 if row.is_historical else ISO_3166_1
    record = next((e for e in seed.entities if e.id == row.id), None) or seed.links.get(row.id)
    curated = set(seed.aliases.get(row.id, [])) | set(record.aliases if record else [])
    entries: dict[str, dict[str, str]] = {}
    if iso_name is not None:
        row.names = country_names(iso_name, row.name, row.is_historical)
        entries = {
            field: reference(dataset)
            for field in ("name", "official_name", "alpha2", "alpha3", "numeric")
            if getattr(row, field)
        }
        entries["names"] = reference(ISO_NAMES)
        entries |= {
            f"aliases.{alias}": reference(dataset) for alias in row.aliases if alias not in curated
        }
    else:
        row.names = {}
    row.provenance = provenance(record, row.external_ids, **entries)


def sector_row(s: SectorRecord) -> Sector:
    return Sector(id=s.id, name=s.name, parent_id=s.parent, description=s.description)


def signatory_row(s: SignatoryRecord) -> Signatory:
    return Signatory(
        id=s.id,
        name=s.name,
        kind=s.kind,
        country_id=s.country,
        aliases=s.aliases,
        description=s.description,
        external_ids=s.external_ids,
        provenance=provenance(s, s.external_ids),
        search_text=search_text(s.name, *s.aliases, s.description),
    )


def visit_row(v: VisitRecord, names_of: NamesOf) -> Visit:
    return Visit(
        id=v.id,
        title=v.title,
        kind=v.kind,
        guest_id=v.guest,
        guest_title=v.guest_title,
        guest_country_id=v.guest_country,
        host_country_id=v.host_country,
        city=v.city,
        summary=v.summary,
        **dated(v),
        provenance=provenance(v),
        search_text=search_text(
            v.title, v.summary, v.city, v.guest_title, *(names_of(v.guest) if v.guest else ())
        ),
    )


def agreement_row(a: AgreementRecord, names_of: NamesOf) -> Agreement:
    return Agreement(
        id=a.id,
        title=a.title,
        aliases=a.aliases,
        kind=a.kind,
        place=a.place,
        place_country_id=a.place_country,
        summary=a.summary,
        status=a.status,
        visit_id=a.visit,
        **dated(a),
        provenance=provenance(
            a,
            **{
                f"parties.{p.country}": inferred(p.inferred_reason)
                for p in a.parties
                if p.inferred_reason
            },
        ),
        references=[
            AgreementReference(referenced_id=other) for other in dict.fromkeys(a.references)
        ],
        parties=[
            AgreementParty(country_id=p.country, inferred_reason=p.inferred_reason)
            for p in a.parties
        ],
        signatories=[
            AgreementSignatory(signatory_id=s.signatory, role=s.role, side_id=s.side, position=i)
            for i, s in enumerate(a.signatories)
        ],
        sectors=[AgreementSector(sector_id=s) for s in dict.fromkeys(a.sectors)],
        events=[
            AgreementEvent(
                id=e.event_id(a.id), country_id=e.country, action=e.action, note=e.note, **dated(e)
            )
            for e in a.events
        ],
        search_text=search_text(
            a.title,
            *a.aliases,
            a.summary,
            a.place,
            *(n for s in a.signatories for n in names_of(s.signatory)),
        ),
    )


def referenced_first(agreements: list[AgreementRecord]) -> list[AgreementRecord]:
    """Agreements ordered so that each comes after those it refers to (cycles kept as given)."""
    by_id = {a.id: a for a in agreements}
    ordered: dict[str, AgreementRecord] = {}

    def visit(a: AgreementRecord, seen: frozenset[str] = frozenset()) -> None:
        for other in a.references:
            if other in by_id and other not in seen | {a.id}:
                visit(by_id[other], seen | {a.id})
        ordered.setdefault(a.id, a)

    for a in agreements:
        visit(a)
    return list(ordered.values())


def relation_row(r: RelationRecord) -> RelationEvent:
    return RelationEvent(
        id=r.id,
        kind=r.kind,
        title=r.title,
        country_a_id=r.countries[0],
        country_b_id=r.countries[1],
        agreement_id=r.agreement,
        summary=r.summary,
        **dated(r),
        provenance=provenance(r),
    )


def body_row(b: BodyRecord) -> Body:
    return Body(
        id=b.id,
        name=b.name,
        kind=b.kind,
        aliases=b.aliases,
        summary=b.summary,
        **dated(b),
        provenance=provenance(b),
        countries=[BodyCountry(country_id=c) for c in dict.fromkeys(b.countries)],
        search_text=search_text(b.name, *b.aliases, b.summary),
    )


def agreement_citations(a: AgreementRecord) -> list[tuple[str, str, list[CitationIn]]]:
    """The agreement's own citations and each of its events'."""
    return [
        ("agreement", a.id, a.citations),
        *(("event", e.event_id(a.id), e.citations) for e in a.events),
    ]


def replace_citations(session: Session, cited: Iterable[tuple[str, str, list[CitationIn]]]) -> int:
    """Delete the citations of these records, then insert the given ones, in order."""
    cited = list(cited)
    keys = [(record_type, record_id) for record_type, record_id, _ in cited]
    for chunk in range(0, len(keys), 500):
        session.execute(
            delete(Citation).where(
                tuple_(Citation.record_type, Citation.record_id).in_(keys[chunk : chunk + 500])
            )
        )
    rows = [
        Citation(
            record_type=record_type,
            record_id=record_id,
            position=i,
            field=c.field,
            source_id=c.source,
            quote=c.quote,
        )
        for record_type, record_id, citations in cited
        for i, c in enumerate(citations)
    ]
    session.add_all(rows)
    return len(rows)

"""Write validated seeds: upsert by id, so seeding twice leaves the same database."""

from collections.abc import Sequence

import pycountry
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import (
    Country,
    Discrepancy,
    DiscrepancyReading,
    Source,
)
from app.seeding.load import SeedData
from app.seeding.records import CitationIn, CountriesFile, SectorRecord
from app.seeding.rows import (
    agreement_citations,
    agreement_row,
    body_row,
    country_reference_data,
    referenced_first,
    relation_row,
    replace_citations,
    sector_row,
    signatory_row,
    visit_row,
)
from app.text import search_text


def write_seeds(session: Session, data: SeedData) -> dict[str, int]:
    """Upsert every seed record in `session` (the caller owns the transaction)."""
    sources = [
        Source(
            id=s.record.id,
            title=s.record.title,
            kind=s.record.kind,
            publisher=s.record.publisher,
            language=s.record.language,
            url=s.record.url,
            published=s.record.published,
            notes=s.record.notes,
            filename=s.record.file,
            text=s.text,
            sha256=s.sha256,
        )
        for s in data.sources
    ]
    _upsert(session, sources)
    countries = _countries(data.countries)
    _upsert(session, [_without_links(c) for c in countries])
    _upsert(session, countries)
    _upsert(
        session,
        [sector_row(s) for s in _parents_first(data.sectors)],
    )
    signatories = {s.id: s for s in data.signatories}

    def names_of(signatory_id: str) -> list[str]:
        found = signatories.get(signatory_id)
        return [found.name, *found.aliases] if found else []

    _upsert(session, [signatory_row(s) for s in data.signatories])
    _upsert(session, [visit_row(v, names_of) for v in data.visits])
    _upsert(session, [agreement_row(a, names_of) for a in referenced_first(data.agreements)])
    _upsert(session, [relation_row(r) for r in data.relations])
    _upsert(session, [body_row(b) for b in data.bodies])
    _upsert(
        session,
        [
            Discrepancy(
                id=d.id,
                record_type=d.record.type,
                record_id=d.record.id,
                field=d.field,
                description=d.description,
                readings=[
                    DiscrepancyReading(position=i, value=r.value, source_id=r.source, quote=r.quote)
                    for i, r in enumerate(d.readings)
                ],
            )
            for d in data.discrepancies
        ],
    )
    cited: list[tuple[str, str, list[CitationIn]]] = [
        *(
            ("country", code, link.citations)
            for code, link in data.countries.links.items()
            if link.citations
        ),
        *(("country", e.id, e.citations) for e in data.countries.entities),
        *(("country", code, items) for code, items in data.countries.citations.items()),
        *(("body", b.id, b.citations) for b in data.bodies),
        *(("signatory", s.id, s.citations) for s in data.signatories),
        *(("visit", v.id, v.citations) for v in data.visits),
        *(c for a in data.agreements for c in agreement_citations(a)),
        *(("relation", r.id, r.citations) for r in data.relations),
    ]
    replace_citations(session, cited)
    session.flush()
    return {
        "sources": len(sources),
        "countries": len(countries),
        "sectors": len(data.sectors),
        "signatories": len(data.signatories),
        "visits": len(data.visits),
        "agreements": len(data.agreements),
        "relations": len(data.relations),
        "discrepancies": len(data.discrepancies),
        "bodies": len(data.bodies),
        "citations": sum(len(c) for _, _, c in cited),
    }


def _upsert(session: Session, objects: Sequence[object]) -> None:
    """Merge by primary key, loading the existing rows in one query first."""
    if not objects:
        return
    model = type(objects[0])
    ids = [obj.id for obj in objects]  # type: ignore[attr-defined]
    for chunk in range(0, len(ids), 500):
        session.scalars(select(model).where(model.id.in_(ids[chunk : chunk + 500]))).all()
    for obj in objects:
        session.merge(obj)
    session.flush()


def _countries(seed: CountriesFile) -> list[Country]:
    """Every ISO 3166-1 country, every ISO 3166-3 historical entity, and the seeds' own."""
    rows: list[Country] = []
    iso_names: dict[str, str] = {}
    for c in pycountry.countries:
        iso_names[c.alpha_2] = c.name
        name = getattr(c, "common_name", None) or c.name
        aliases = list(
            dict.fromkeys(
                [n for n in (c.name, getattr(c, "official_name", None)) if n and n != name]
                + seed.aliases.get(c.alpha_2, [])
            )
        )
        rows.append(
            Country(
                id=c.alpha_2,
                alpha2=c.alpha_2,
                alpha3=c.alpha_3,
                numeric=c.numeric,
                name=name,
                official_name=getattr(c, "official_name", None),
                aliases=aliases,
                is_historical=False,
                valid_from=None,
                valid_to=None,
                note=None,
                successor_id=None,
                part_of_id=None,
            )
        )
    for h in pycountry.historic_countries:
        iso_names[h.alpha_4] = h.name
        link = seed.links.get(h.alpha_4)
        withdrawn = getattr(h, "withdrawal_date", None)
        note = f"Withdrawn from ISO 3166-1 on {withdrawn}." if withdrawn else None
        if link and link.note:
            note = f"{link.note} {note or ''}".strip()
        rows.append(
            Country(
                id=h.alpha_4,
                alpha2=h.alpha_2,
                alpha3=h.alpha_3,
                numeric=getattr(h, "numeric", None),
                name=h.name,
                official_name=None,
                aliases=link.aliases if link else [],
                is_historical=True,
                valid_from=None,
                valid_to=None,
                note=note,
                successor_id=link.successor if link else None,
                part_of_id=link.part_of if link else None,
            )
        )
    for e in seed.entities:
        rows.append(
            Country(
                id=e.id,
                alpha2=None,
                alpha3=None,
                numeric=None,
                name=e.name,
                official_name=e.official_name,
                aliases=e.aliases,
                is_historical=True,
                valid_from=e.valid_from,
                valid_to=e.valid_to,
                note=e.note,
                successor_id=e.successor,
                part_of_id=e.part_of,
            )
        )
    for row in rows:
        iso = {
            "iso3166_alpha2": row.alpha2,
            "iso3166_alpha3": row.alpha3,
            "iso3166_numeric": row.numeric,
        }
        if row.is_historical and row.alpha2:
            iso = {"iso3166_3_alpha4": row.id, **iso}
        row.external_ids = {
            **{k: v for k, v in iso.items() if v},
            **seed.external_ids.get(row.id, {}),
        }
        country_reference_data(row, iso_names.get(row.id), seed)
        row.search_text = search_text(
            row.id, row.alpha3, row.name, row.official_name, *row.aliases, *row.names.values()
        )
    return rows


def _without_links(country: Country) -> Country:
    """A copy without self-references, so every row exists before any link points at it."""
    columns = {c.key: getattr(country, c.key) for c in Country.__table__.columns}
    return Country(**{**columns, "successor_id": None, "part_of_id": None})


def _parents_first(sectors: list[SectorRecord]) -> list[SectorRecord]:
    by_id = {s.id: s for s in sectors}
    ordered: dict[str, SectorRecord] = {}

    def visit(sector: SectorRecord, depth: int = 0) -> None:
        if sector.parent and sector.parent in by_id and depth < len(sectors):
            visit(by_id[sector.parent], depth + 1)
        ordered.setdefault(sector.id, sector)

    for sector in sectors:
        visit(sector)
    return list(ordered.values())

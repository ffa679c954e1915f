"""Write validated seeds: reference data upserted, curated records synced (app.seeding.plan)."""

from collections.abc import Callable, Sequence

import pycountry
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.curation.resources import RESOURCES
from app.models import (
    Agreement,
    Body,
    Citation,
    Country,
    Discrepancy,
    DiscrepancyReading,
    RelationEvent,
    Source,
)
from app.records.shapes import (
    CitationIn,
    CountriesFile,
    SectorRecord,
    SourceDocument,
)
from app.seeding.load import LoadedSource, SeedData
from app.seeding.plan import Conflict, Prefer, Report, SeedSync
from app.seeding.rows import (
    body_row,
    country_reference_data,
    referenced_first,
    relation_row,
    replace_citations,
)
from app.text import search_text


def write_seeds(
    session: Session,
    data: SeedData,
    prefer: Prefer | None = None,
    progress: Callable[[int, int | None], None] | None = None,
) -> Report:
    """Bring the seeds into the database without undoing any API write (see app.seeding.plan).

    The caller owns the transaction. Countries, relation milestones and discrepancies are not
    editable over the API: the seed files are their only writer, so they are made to match
    the files (upserted, and rows the files dropped deleted), without audit entries.
    `progress(records synced, records in the files)` follows the curated records, a kind at
    a time.
    """
    curated = [
        ("sources", [_source_document(s) for s in data.sources]),
        ("sectors", _parents_first(data.sectors)),
        ("signatories", data.signatories),
        ("visits", data.visits),
        ("agreements", referenced_first(data.agreements)),
    ]
    total, done = sum(len(records) for _, records in curated), 0
    countries = _countries(data.countries)
    _upsert(session, [_without_links(c) for c in countries])
    _upsert(session, countries)

    sync = SeedSync(session, prefer)
    for kind, records in curated:
        sync.upsert_all(RESOURCES[kind], records)
        if kind == "sources":
            replace_citations(session, _country_citations(data.countries))
        done += len(records)
        if progress:
            progress(done, total)
    _write_seed_only(session, data, sync.report)
    sync.remove_missing()
    session.flush()
    return sync.report


def _source_document(source: LoadedSource) -> SourceDocument:
    """A seed source in the API's shape: the file's text, named by its path in the seeds."""
    r = source.record
    return SourceDocument(
        id=r.id,
        title=r.title,
        kind=r.kind,
        publisher=r.publisher,
        language=r.language,
        url=r.url,
        published=r.published,
        notes=r.notes,
        filename=r.file,
        text=source.text,
    )


def _country_citations(seed: CountriesFile) -> list[tuple[str, str, list[CitationIn]]]:
    return [
        *(("country", code, link.citations) for code, link in seed.links.items() if link.citations),
        *(("country", e.id, e.citations) for e in seed.entities),
        *(("country", code, items) for code, items in seed.citations.items()),
    ]


def _write_seed_only(session: Session, data: SeedData, report: Report) -> None:
    """Relation milestones and discrepancies exactly as in the files. One that names an
    agreement or source deleted over the API is left out and reported as a conflict."""
    relations = []
    for r in data.relations:
        if r.agreement is not None and session.get(Agreement, r.agreement) is None:
            report.conflicts.append(
                Conflict(
                    "relation", r.id, ("agreement",), f"{r.agreement!r} was deleted over the API"
                )
            )
        else:
            relations.append(r)
    discrepancies = []
    for d in data.discrepancies:
        gone = sorted({r.source for r in d.readings if session.get(Source, r.source) is None})
        if gone:
            report.conflicts.append(
                Conflict(
                    "discrepancy", d.id, ("readings",), f"sources {gone} were deleted over the API"
                )
            )
        else:
            discrepancies.append(d)
    _delete_others(session, RelationEvent, "relation", {r.id for r in relations})
    _delete_others(session, Discrepancy, None, {d.id for d in discrepancies})
    _upsert(session, [relation_row(r) for r in relations])
    replace_citations(session, [("relation", r.id, r.citations) for r in relations])
    _delete_others(session, Body, "body", {b.id for b in data.bodies})
    _upsert(session, [body_row(b) for b in data.bodies])
    replace_citations(session, [("body", b.id, b.citations) for b in data.bodies])
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
            for d in discrepancies
        ],
    )


def _delete_others(session: Session, model: type, record_type: str | None, keep: set[str]) -> None:
    """Delete the rows (and their citations) whose ids are not in `keep`."""
    gone = [i for i in session.scalars(select(model.id)) if i not in keep]  # type: ignore[attr-defined]
    if not gone:
        return
    if record_type is not None:
        session.execute(
            delete(Citation).where(
                Citation.record_type == record_type, Citation.record_id.in_(gone)
            )
        )
    for row in session.scalars(select(model).where(model.id.in_(gone))):  # type: ignore[attr-defined]
        session.delete(row)
    session.flush()


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

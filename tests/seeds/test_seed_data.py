"""The curated data as stored: verbatim quotes, provenance on every record, idempotent seeding."""

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.db import Base
from app.models import (
    Agreement,
    Body,
    Citation,
    Country,
    Discrepancy,
    DiscrepancyReading,
    RelationEvent,
    Signatory,
    Source,
    Visit,
)
from app.seeding.load import load_seeds
from app.seeding.write import write_seeds


def _counts(session: Session) -> dict[str, int]:
    return {
        name: session.scalar(select(func.count()).select_from(table)) or 0
        for name, table in Base.metadata.tables.items()
    }


def test_every_quote_is_verbatim(session: Session) -> None:
    texts = dict(session.execute(select(Source.id, Source.text)).all())
    quotes = [
        *session.execute(select(Citation.source_id, Citation.quote)).all(),
        *session.execute(select(DiscrepancyReading.source_id, DiscrepancyReading.quote)).all(),
    ]
    assert len(quotes) > 100
    missing = [(source, quote) for source, quote in quotes if quote not in texts[source]]
    assert missing == []


def test_sources_stored_byte_for_byte(session: Session) -> None:
    import hashlib

    seeds_dir = get_settings().seeds_dir
    for source in session.scalars(select(Source)):
        raw = (seeds_dir / source.filename).read_bytes()
        assert source.text.encode("utf-8") == raw
        assert source.sha256 == hashlib.sha256(raw).hexdigest()


def test_every_record_is_cited(session: Session) -> None:
    for record_type, model in (
        ("agreement", Agreement),
        ("visit", Visit),
        ("signatory", Signatory),
        ("relation", RelationEvent),
    ):
        ids = set(session.scalars(select(model.id)))
        cited = set(
            session.scalars(select(Citation.record_id).where(Citation.record_type == record_type))
        )
        assert ids and ids <= cited, f"{record_type} without citation: {ids - cited}"


def test_inferred_dates_give_their_reason(session: Session) -> None:
    for model in (Agreement, Visit, RelationEvent):
        for row in session.scalars(select(model).where(model.date_inferred.is_(True))):
            assert row.date_inferred_reason, row.id
            assert session.scalar(
                select(func.count())
                .select_from(Citation)
                .where(Citation.record_id == row.id, Citation.field == "date")
            ), row.id


def test_disagreements_keep_both_readings(session: Session) -> None:
    discrepancies = session.scalars(select(Discrepancy)).all()
    assert {d.field for d in discrepancies} >= {"documents_signed_count", "first_visit"}
    for d in discrepancies:
        sources = set(
            session.scalars(
                select(DiscrepancyReading.source_id).where(
                    DiscrepancyReading.discrepancy_id == d.id
                )
            )
        )
        assert len(sources) == 2, d.id


def test_one_record_for_the_partnership_document_cited_by_both_sources(session: Session) -> None:
    partnership = session.scalars(
        select(Agreement).where(Agreement.kind.in_(["declaration", "joint-statement"]))
    ).all()
    assert len(partnership) == 1
    sources = set(
        session.scalars(
            select(Citation.source_id).where(
                Citation.record_type == "agreement", Citation.record_id == partnership[0].id
            )
        )
    )
    assert len(sources) == 2
    names = " ".join([partnership[0].title, *partnership[0].aliases])
    assert "Declaration" in names and "Joint Statement" in names


def test_seeding_twice_changes_nothing(session: Session) -> None:
    before = _counts(session)
    write_seeds(session, load_seeds(get_settings().seeds_dir))
    session.flush()
    assert _counts(session) == before


def test_every_alias_is_quoted_or_labelled(session: Session) -> None:
    """An alias is a name a cited quote uses, or labelled in `provenance` (ISO's own names)."""
    for record_type, model in (
        ("agreement", Agreement),
        ("signatory", Signatory),
        ("body", Body),
        ("country", Country),
    ):
        quotes: dict[str, list[str]] = {}
        for record_id, quote in session.execute(
            select(Citation.record_id, Citation.quote).where(Citation.record_type == record_type)
        ):
            quotes.setdefault(record_id, []).append(quote)
        for row in session.scalars(select(model)):
            for alias in row.aliases:
                assert f"aliases.{alias}" in row.provenance or any(
                    alias in q for q in quotes.get(row.id, [])
                ), (record_type, row.id, alias)


def test_every_provenance_entry_says_why(session: Session) -> None:
    for model in (Agreement, Visit, Signatory, RelationEvent, Body, Country):
        for row in session.scalars(select(model)):
            for field, entry in row.provenance.items():
                why = entry.get("reason") if entry["basis"] == "inferred" else entry.get("dataset")
                assert why, (model.__tablename__, row.id, field)

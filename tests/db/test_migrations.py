"""The migration history runs down and up on a scratch database and matches the models."""

import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, delete, func, inspect, select
from sqlalchemy.orm import Session

import app.models  # noqa: F401
from app.db import Base, is_model_object, make_engine, migrate
from app.kinds import storage
from app.kinds.quotes import COLUMNS, anchor
from app.kinds.registry import KINDS
from app.models import Citation, DiscrepancyReading, Source
from app.queries.text_search import FTS_TABLES


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        names = set(inspect(engine).get_table_names()) - {"alembic_version"}
        return {n for n in names if "_fts" not in n}  # SQLite's FTS5 search tables
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(scratch_url: str) -> None:
    migrate.upgrade(scratch_url)
    assert _tables(scratch_url) == set(Base.metadata.tables)
    migrate.downgrade(scratch_url, "base")
    assert _tables(scratch_url) == set()
    migrate.upgrade(scratch_url)
    assert _tables(scratch_url) == set(Base.metadata.tables)


def test_models_match_migrations(engine: Engine) -> None:
    """Autogenerate finds no difference (it cannot see expression indexes: checked below)."""
    with engine.connect() as conn, warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based")
        diff = compare_metadata(
            MigrationContext.configure(
                conn, opts={"compare_type": True, "include_name": is_model_object}
            ),
            Base.metadata,
        )
    assert diff == []


def test_sort_expression_indexes_exist(engine: Engine) -> None:
    query = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes"
    )
    with engine.connect() as conn:
        names = set(conn.exec_driver_sql(query).scalars())
    assert {f"ix_{t}_date_{d}" for t in ("agreements", "visits") for d in ("up", "down")} <= names


def test_word_search_indexes_exist(engine: Engine) -> None:
    """Each searchable table's word index (SQLite: an FTS5 table; PostgreSQL: a GIN index of
    its words) and the vocabulary."""
    query = (
        "SELECT name FROM sqlite_master"
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes UNION ALL SELECT tablename FROM pg_tables"
    )
    with engine.connect() as conn:
        names = set(conn.exec_driver_sql(query).scalars())
    word_index = "{}_fts_words" if engine.dialect.name == "sqlite" else "ix_{}_search_words"
    assert {word_index.format(t) for t in FTS_TABLES} | {"search_fts_words"} <= names


def _vocabulary(url: str) -> set[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        words = set(conn.exec_driver_sql("SELECT word FROM search_fts_words").scalars())
    engine.dispose()
    return words


def test_0020_fills_the_vocabulary_from_the_records_a_database_holds(seeded_url: str) -> None:
    """PostgreSQL's word index, dropped and made again over stored records, holds the words
    the records' triggers had added (on SQLite, 0020 changes nothing)."""
    written = _vocabulary(seeded_url)
    migrate.downgrade(seeded_url, "0019")
    migrate.upgrade(seeded_url)
    assert _vocabulary(seeded_url) == written
    assert {"azerbaijan", "energy"} <= written


def test_migrations_run_down_and_up_on_a_database_with_data(seeded_url: str) -> None:
    """Table rebuilds on SQLite (batch mode) must not trip over foreign keys."""
    migrate.downgrade(seeded_url, "0001")
    migrate.upgrade(seeded_url)
    engine = make_engine(seeded_url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Base.metadata.tables["agreements"]))
    engine.dispose()


def _readings(url: str) -> dict[tuple[str, int], dict[str, object]]:
    """Each stored reading's anchor columns, by (discrepancy, position)."""
    engine = make_engine(url)
    table = DiscrepancyReading.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(table.c.discrepancy_id, table.c.position, *table.c[COLUMNS]))
        found = {(d, p): dict(zip(COLUMNS, rest, strict=True)) for d, p, *rest in rows}
    engine.dispose()
    return found


def test_0018_anchors_the_readings_a_database_holds(seeded_url: str) -> None:
    """Readings stored before their selectors were are anchored by the upgrade, where
    seeding anchors them."""
    seeded = _readings(seeded_url)
    migrate.downgrade(seeded_url, "0017")
    engine = make_engine(seeded_url)
    columns = {c["name"] for c in inspect(engine).get_columns("discrepancy_readings")}
    assert not columns & set(COLUMNS)
    engine.dispose()
    migrate.upgrade(seeded_url)
    migrated = _readings(seeded_url)
    assert migrated == seeded
    assert migrated["baku-ceremony-year", 0]["quote_start"] == 245
    engine = make_engine(seeded_url)
    with engine.connect() as conn:
        texts = dict(conn.execute(select(Source.id, Source.text)).all())
        table = DiscrepancyReading.__table__
        for row in conn.execute(select(table)).mappings():
            found = anchor(texts[row["source_id"]], row["quote"])
            assert found is not None
            assert {c: row[c] for c in COLUMNS} == found.columns()
    engine.dispose()


def test_0016_labels_the_direction_of_milestones_recorded_before_it(seeded_url: str) -> None:
    """A milestone stored before 0016 reads as mutual, labelled inferred (so that it can be
    written again unchanged), unless a citation already names its direction."""
    migrate.downgrade(seeded_url, "0015")
    engine = make_engine(seeded_url)
    with engine.begin() as conn:
        conn.execute(
            delete(Citation).where(
                Citation.record_type == "relation",
                Citation.record_id == "strategic-partnership-vn-az-2025",
                Citation.field == "direction",
            )
        )
    engine.dispose()
    migrate.upgrade(seeded_url)
    engine = make_engine(seeded_url)
    with Session(engine) as session:
        relation = KINDS["relation"]
        partnership = storage.read(session, relation, "strategic-partnership-vn-az-2025")
        supported = storage.read(session, relation, "nam-chairmanship-support-vn-az")
    engine.dispose()
    assert partnership is not None and supported is not None
    assert partnership.direction == "mutual"
    assert partnership.provenance["direction"].basis == "inferred"
    assert "direction" not in supported.provenance  # its direction is cited
    type(partnership).model_validate(partnership.model_dump())  # writable again as it is

"""`python -m bench.synth`: synthetic data that is deterministic, well-formed and leaves the
curated records alone. Runs on a scratch database of the test database's kind."""

import hashlib
import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text

from app.config import Settings
from app.db import make_engine
from app.main import create_app
from app.text import search_text
from bench.synth import SOURCE_ID, synthesize, synthetic_count

N = 300
SYNTH_TABLES = {
    "agreements": "id",
    "visits": "id",
    "signatories": "id",
    "agreement_parties": "agreement_id",
    "agreement_sectors": "agreement_id",
    "agreement_signatories": "agreement_id",
}


@pytest.fixture
def seeded(seeded_url: str) -> Iterator[Engine]:
    engine = make_engine(seeded_url)
    yield engine
    engine.dispose()


def rows(engine: Engine, sql: str, **params: object) -> list[tuple[object, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(sql), params)]


def synthetic(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every synthetic row, in a stable order (citation ids left out: they are serial)."""
    snapshot = {
        table: sorted(
            rows(engine, f"SELECT * FROM {table} WHERE {column} LIKE 'synth-%'"), key=repr
        )
        for table, column in SYNTH_TABLES.items()
    }
    snapshot["citations"] = sorted(
        rows(
            engine,
            "SELECT record_type, record_id, position, field, source_id, quote FROM citations "
            "WHERE record_id LIKE 'synth-%' OR source_id = :source",
            source=SOURCE_ID,
        ),
        key=repr,
    )
    snapshot["sources"] = rows(engine, "SELECT * FROM sources WHERE id = :id", id=SOURCE_ID)
    return snapshot


def curated(engine: Engine) -> dict[str, object]:
    one = "mou-energy-vn-az-2025"
    counts = {
        table: rows(engine, f"SELECT count(*) FROM {table} WHERE {column} NOT LIKE 'synth-%'")
        for table, column in SYNTH_TABLES.items()
    }
    return {
        **counts,
        "citations": rows(
            engine,
            "SELECT record_type, record_id, position, field, source_id, quote FROM citations "
            "WHERE record_id NOT LIKE 'synth-%' ORDER BY record_type, record_id, position",
        ),
        "sources": rows(engine, "SELECT * FROM sources WHERE id <> :id ORDER BY id", id=SOURCE_ID),
        "agreement": rows(engine, "SELECT * FROM agreements WHERE id = :id", id=one),
        "parties": rows(
            engine, "SELECT * FROM agreement_parties WHERE agreement_id = :id ORDER BY 2", id=one
        ),
        "signers": rows(
            engine,
            "SELECT * FROM agreement_signatories WHERE agreement_id = :id ORDER BY position",
            id=one,
        ),
        "sectors": rows(
            engine, "SELECT * FROM agreement_sectors WHERE agreement_id = :id ORDER BY 2", id=one
        ),
    }


def test_deterministic_rerun_replaces_and_curated_records_stay(seeded: Engine) -> None:
    before = curated(seeded)
    assert before["agreement"], "the curated agreement is seeded"

    reported: list[tuple[int, int]] = []
    counts = synthesize(
        seeded, N, seed=7, progress=lambda done, total: reported.append((done, total))
    )
    first = synthetic(seeded)
    assert counts["agreements"] == N == synthetic_count(seeded)
    assert reported[0] == (0, N) and reported[-1] == (N, N)
    assert curated(seeded) == before

    synthesize(seeded, N, seed=7)
    assert synthetic(seeded) == first, "same seed, same data; a rerun does not duplicate"
    assert curated(seeded) == before

    synthesize(seeded, N, seed=8)
    assert synthetic(seeded)["agreements"] != first["agreements"]

    synthesize(seeded, 50, seed=7)
    assert synthetic_count(seeded) == 50
    assert len(synthetic(seeded)["citations"]) == 50 + 5  # one per agreement and per visit
    assert curated(seeded) == before


def test_synthetic_rows_are_well_formed(seeded: Engine) -> None:
    synthesize(seeded, N, seed=3)

    parties = Counter(
        r[0]
        for r in rows(
            seeded, "SELECT agreement_id FROM agreement_parties WHERE agreement_id LIKE 'synth-%'"
        )
    )
    sectors = Counter(
        r[0]
        for r in rows(
            seeded, "SELECT agreement_id FROM agreement_sectors WHERE agreement_id LIKE 'synth-%'"
        )
    )
    signers = Counter(
        r[0]
        for r in rows(
            seeded,
            "SELECT agreement_id FROM agreement_signatories WHERE agreement_id LIKE 'synth-%'",
        )
    )
    assert len(parties) == len(sectors) == len(signers) == N
    assert set(parties.values()) <= {2, 3, 4, 5} and max(parties.values()) > 2
    assert set(sectors.values()) <= {1, 2, 3}
    assert set(signers.values()) <= {1, 2, 3}

    # Every current country has its signatories; some countries are far busier than others.
    current = rows(seeded, "SELECT count(*) FROM countries WHERE is_historical = :no", no=False)
    with_signatories = rows(
        seeded, "SELECT count(DISTINCT country_id) FROM signatories WHERE id LIKE 'synth-%'"
    )
    assert with_signatories == current
    busiest = rows(
        seeded,
        "SELECT country_id, count(*) AS n FROM agreement_parties "
        "WHERE agreement_id LIKE 'synth-%' GROUP BY country_id ORDER BY n DESC LIMIT 1",
    )[0]
    assert busiest[1] > N // 5

    # Visits: about one per ten agreements, about half of the agreements signed during one.
    visits = rows(seeded, "SELECT count(*) FROM visits WHERE id LIKE 'synth-%'")[0][0]
    linked = rows(
        seeded,
        "SELECT count(*) FROM agreements WHERE id LIKE 'synth-%' AND visit_id IS NOT NULL",
    )[0][0]
    assert visits == N // 10
    assert 0.35 * N < linked < 0.65 * N

    # Dates at each precision, with the interval they cover.
    dated = rows(
        seeded,
        "SELECT date, date_precision, date_start, date_end FROM agreements WHERE id LIKE 'synth-%'",
    )
    precisions = Counter(r[1] for r in dated)
    assert set(precisions) == {"day", "month", "year"}
    assert precisions["day"] > precisions["month"] > precisions["year"]
    assert all(1950 <= int(r[0][:4]) <= 2025 and str(r[2]) <= str(r[3]) for r in dated)

    # The synthetic source is stored with its sha256 and every quote is verbatim from it.
    ((source_text, sha256),) = rows(
        seeded, "SELECT text, sha256 FROM sources WHERE id = :id", id=SOURCE_ID
    )
    assert hashlib.sha256(source_text.encode("utf-8")).hexdigest() == sha256
    quotes = rows(
        seeded,
        "SELECT record_type, quote, source_id FROM citations WHERE record_id LIKE 'synth-%'",
    )
    assert Counter(r[0] for r in quotes) == {"agreement": N, "visit": N // 10}
    assert all(
        source == SOURCE_ID and quote and quote in source_text for _, quote, source in quotes
    )

    # search_text follows the seeding recipe (title, aliases, summary, place, signer names).
    names = dict(rows(seeded, "SELECT id, name FROM signatories WHERE id LIKE 'synth-%'"))
    signed: dict[str, list[str]] = {}
    for agreement_id, signatory_id in rows(
        seeded,
        "SELECT agreement_id, signatory_id FROM agreement_signatories "
        "WHERE agreement_id LIKE 'synth-%' ORDER BY agreement_id, position",
    ):
        signed.setdefault(agreement_id, []).append(names[signatory_id])
    agreements = rows(
        seeded,
        "SELECT id, title, aliases, summary, place, search_text FROM agreements "
        "WHERE id LIKE 'synth-%'",
    )
    for agreement_id, title, aliases, summary, place, stored in agreements:
        aliases = json.loads(aliases) if isinstance(aliases, str) else aliases
        expected = search_text(title, *aliases, summary, place, *signed[agreement_id])
        assert stored == expected, agreement_id


def test_api_finds_synthetic_agreements(seeded: Engine, seeded_url: str) -> None:
    synthesize(seeded, N, seed=5)
    country, sector, title = rows(
        seeded,
        "SELECT p.country_id, s.sector_id, a.title FROM agreements a "
        "JOIN agreement_parties p ON p.agreement_id = a.id "
        "JOIN agreement_sectors s ON s.agreement_id = a.id "
        "WHERE a.id = (SELECT min(id) FROM agreements WHERE id LIKE 'synth-%')",
    )[0]
    app = create_app(Settings(database_url=seeded_url))
    with TestClient(app) as client:
        listed = client.get("/api/v1/agreements", params={"country": country, "sector": sector})
        assert listed.status_code == 200
        assert listed.json()["total"] >= 1
        words = " ".join(title.split()[-2:])
        found = client.get("/api/v1/agreements", params={"q": words.upper(), "limit": 100})
        assert found.status_code == 200
        assert found.json()["total"] >= 1
    app.state.engine.dispose()


def test_the_bench_command_runs_from_any_directory(
    seeded: Engine, seeded_url: str, tmp_path: Path
) -> None:
    # The generator is the bench's command, not the product's: it runs from any directory.
    done = subprocess.run(
        [sys.executable, "-m", "bench.synth", "--agreements", "20", "--seed", "1"],
        cwd=tmp_path,
        env={**os.environ, "DATABASE_URL": seeded_url},
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("synthesized 20 agreements")
    assert synthetic_count(seeded) == 20

"""`treaty-api start` and `seed` from the command line: dry runs change nothing, conflicts
exit non-zero, and replicas starting together on PostgreSQL migrate and seed one at a time."""

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text
from sqlalchemy.engine import make_url
from typer.testing import CliRunner

from app.cli import cli
from app.config import get_settings
from app.curation import service
from app.db import Base, make_engine, transaction
from app.kinds.registry import KINDS
from app.seeding.startup import LOCK_KEY
from tests.seeds.seed_files import seeds_copy


@pytest.fixture
def run(scratch_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator:  # type: ignore[type-arg]
    """`treaty-api ARGS` against the scratch database, with SEEDS_DIR when given."""

    def invoke(*args: str, seeds: Path | None = None):  # type: ignore[no-untyped-def]
        monkeypatch.setenv("DATABASE_URL", scratch_url)
        if seeds is not None:
            monkeypatch.setenv("SEEDS_DIR", str(seeds))
        get_settings.cache_clear()
        return CliRunner().invoke(cli, list(args))

    yield invoke
    get_settings.cache_clear()


def _rows(url: str) -> dict[str, list[tuple[object, ...]]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = {
            name: sorted(map(tuple, conn.execute(select(table)).all()), key=repr)
            for name, table in Base.metadata.tables.items()
        }
    engine.dispose()
    return rows


def test_seed_command_reports_conflicts_and_dry_run_changes_nothing(
    run, scratch_url: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    started = run("start", "--no-serve")
    assert started.exit_code == 0, started.output
    assert "create agreement mou-energy-vn-az-2025" in started.output
    engine = make_engine(scratch_url)
    with transaction(engine) as session:
        agreements = KINDS.plural("agreements")
        service.update(session, agreements, "mou-energy-vn-az-2025", {"title": "API"}, "alice")
        service.delete(session, agreements, "mou-culture-vn-az-2025", "alice")
    engine.dispose()
    seeds = seeds_copy(
        tmp_path,
        {
            ("agreements.yaml", "mou-energy-vn-az-2025"): {"title": "Seeds"},
            ("visits.yaml", "state-visit-to-lam-azerbaijan-2025"): {"summary": "Seeds"},
        },
    )
    before = _rows(scratch_url)

    dry = run("seed", "--dry-run", seeds=seeds)
    assert dry.exit_code == 1, dry.output
    assert "conflict agreement mou-energy-vn-az-2025: title: changed in the seeds" in dry.output
    assert "update visit state-visit-to-lam-azerbaijan-2025: summary" in dry.output
    assert "skip agreement mou-culture-vn-az-2025: deleted over the API" in dry.output
    assert "dry run: nothing was written" in dry.output
    assert _rows(scratch_url) == before

    seeded = run("seed", seeds=seeds)
    assert seeded.exit_code == 1
    assert _rows(scratch_url) != before
    settled = run("seed", "--prefer", "seeds", seeds=seeds)
    assert settled.exit_code == 0, settled.output
    assert "resolved agreement mou-energy-vn-az-2025: title: seeds preferred" in settled.output
    assert run("seed", seeds=seeds).exit_code == 0


def _waiting_for_the_lock(admin: Engine) -> int:
    with admin.connect() as conn:
        return conn.scalar(
            text(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                " AND ((classid::bigint << 32) | objid::bigint) = :key"
            ),
            {"key": LOCK_KEY},
        )


def _exits(replica: subprocess.Popen, seconds: float = 0.05) -> bool:  # type: ignore[type-arg]
    """Whether `replica` exits within `seconds`: the lock is polled between these waits,
    not in a loop that kept a core (and a PostgreSQL backend) busy while the replicas
    started (2,000 polls in 5 s)."""
    try:
        replica.wait(timeout=seconds)
    except subprocess.TimeoutExpired:
        return False
    return True


def test_two_replicas_starting_together_migrate_and_seed_once(
    scratch_url: str, tmp_path: Path
) -> None:
    if make_url(scratch_url).get_backend_name() != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; SQLite serializes seeders itself")
    command = [str(Path(sys.executable).parent / "treaty-api"), "start", "--no-serve"]
    env = {"DATABASE_URL": scratch_url, "PATH": "/usr/bin:/bin"}
    admin = make_engine(scratch_url)
    with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as holder:
        # Hold the lock so both replicas are waiting on it when it is released.
        holder.execute(text("SELECT pg_advisory_lock(:key)"), {"key": LOCK_KEY})
        replicas = [
            subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            for _ in range(2)
        ]
        deadline = time.monotonic() + 60
        while _waiting_for_the_lock(admin) < 2:
            assert time.monotonic() < deadline, "the replicas never waited for the lock"
            assert not any(map(_exits, replicas)), "a replica ran without the lock"
        with admin.connect() as conn:
            assert not conn.scalar(text("SELECT to_regclass('alembic_version') IS NOT NULL"))
        holder.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LOCK_KEY})
    outputs = [r.communicate(timeout=120)[0].decode() for r in replicas]
    assert [r.returncode for r in replicas] == [0, 0], outputs
    first, second = sorted(outputs, key=lambda out: "create agreement" not in out)
    assert "create agreement mou-energy-vn-az-2025" in first
    assert "0 created, 0 updated, 0 deleted" in second and "create " not in second
    with admin.connect() as conn:
        changes = conn.scalar(select(func.count()).select_from(Base.metadata.tables["changes"]))
    admin.dispose()
    assert changes == 0

"""Seeding next to API writes: API edits and deletes survive `seed`, seed-only changes are
applied and audited, both-sides changes are conflicts, and the feed still replays."""

from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from app.config import get_settings
from app.curation.keys import create_key
from app.db import make_engine, transaction
from app.kinds import storage
from app.kinds.registry import KINDS
from app.kinds.row_rules import canonical_hash
from app.models import Change, Citation, Discrepancy, RelationEvent, SeedState
from app.seeding.load import load_seeds
from app.seeding.write import write_seeds
from tests.seeds.seed_files import seeds_copy

ENERGY = "/api/v1/agreements/mou-energy-vn-az-2025"
CULTURE = "/api/v1/agreements/mou-culture-vn-az-2025"


@pytest.fixture
def auth(session: Session) -> dict[str, str]:
    _, secret = create_key(session, "curator", "admin")
    return {"Authorization": f"Bearer {secret}"}


def _patch(client: TestClient, url: str, patch: dict, auth: dict[str, str]) -> None:
    etag = client.get(url).headers["etag"]
    response = client.patch(url, json=patch, headers={**auth, "If-Match": etag})
    assert response.status_code == 200, response.text


def _delete(client: TestClient, url: str, auth: dict[str, str]) -> None:
    etag = client.get(url).headers["etag"]
    response = client.delete(url, headers={**auth, "If-Match": etag})
    assert response.is_success, response.text


def _seed(session: Session, seeds_dir: Path | None = None, prefer: Any = None):  # type: ignore[no-untyped-def]
    return write_seeds(session, load_seeds(seeds_dir or get_settings().seeds_dir), prefer)


def _assert_feed_replays(client: TestClient, session: Session, seeded_url: str) -> None:
    """The whole feed applied onto a freshly seeded database gives every record as stored."""
    feed = client.get("/api/v1/changes", params={"limit": 1000}).json()["items"]
    mirror = make_engine(seeded_url)
    with transaction(mirror) as replica:
        for change in feed:
            kind = KINDS[change["record_type"]]
            if change["after"] is not None:
                storage.write(replica, kind, kind.shape.model_validate(change["after"]))
            elif storage.read(replica, kind, change["record_id"]) is not None:
                storage.remove(replica, kind, change["record_id"])
            replica.flush()
        for kind in KINDS.writable:
            ids = {*session.scalars(select(kind.model.id))}
            ids |= {*replica.scalars(select(kind.model.id))}
            for record_id in sorted(ids):
                assert storage.read(replica, kind, record_id) == storage.read(
                    session, kind, record_id
                ), f"{kind.name} {record_id}"
    mirror.dispose()


def test_seed_keeps_an_api_edit_and_an_api_delete(
    client: TestClient, session: Session, auth: dict[str, str], seeded_url: str
) -> None:
    _patch(client, ENERGY, {"title": "Energy MoU (edited over the API)"}, auth)
    _delete(client, CULTURE, auth)

    report = _seed(session)

    assert client.get(ENERGY).json()["title"] == "Energy MoU (edited over the API)"
    assert client.get(CULTURE).status_code == 404
    assert "agreement mou-energy-vn-az-2025" in report.kept
    assert "agreement mou-culture-vn-az-2025" in report.skipped_deleted
    assert report.conflicts == [] and report.updated == [] and report.created == []
    assert not session.scalars(select(Change).where(Change.actor == "seed")).first()
    _assert_feed_replays(client, session, seeded_url)


def test_seed_applies_a_seed_only_change_and_reports_a_both_sides_change(
    client: TestClient, session: Session, auth: dict[str, str], tmp_path: Path, seeded_url: str
) -> None:
    _patch(client, ENERGY, {"title": "Energy MoU (API)"}, auth)
    seeds = seeds_copy(
        tmp_path,
        {
            ("agreements.yaml", "mou-energy-vn-az-2025"): {"title": "Energy MoU (seeds)"},
            ("agreements.yaml", "mou-culture-vn-az-2025"): {"status": "signed (seeds)"},
        },
    )

    report = _seed(session, seeds)

    assert [str(c) for c in report.conflicts] == [
        "agreement mou-energy-vn-az-2025: title: changed in the seeds and over the API; "
        "the API's version stands"
    ]
    assert report.updated == ["agreement mou-culture-vn-az-2025: status"]
    assert client.get(ENERGY).json()["title"] == "Energy MoU (API)"
    assert client.get(CULTURE).json()["status"] == "signed (seeds)"
    entry = client.get(f"{CULTURE}/history").json()["items"][-1]
    assert (entry["actor"], entry["action"]) == ("seed", "update")
    assert (entry["before"]["status"], entry["after"]["status"]) == ("signed", "signed (seeds)")
    stored = storage.read(session, KINDS["agreement"], "mou-culture-vn-az-2025")
    assert entry["after"] == stored.model_dump(mode="json")
    _assert_feed_replays(client, session, seeded_url)

    # Still a conflict next time: nothing was settled.
    assert [c.record_id for c in _seed(session, seeds).conflicts] == ["mou-energy-vn-az-2025"]


@pytest.mark.parametrize(("prefer", "title"), [("seeds", "Energy MoU (seeds)"), ("api", "API")])
def test_prefer_settles_a_conflict(
    client: TestClient,
    session: Session,
    auth: dict[str, str],
    tmp_path: Path,
    prefer: str,
    title: str,
) -> None:
    _patch(client, ENERGY, {"title": "API"}, auth)
    seeds = seeds_copy(
        tmp_path, {("agreements.yaml", "mou-energy-vn-az-2025"): {"title": "Energy MoU (seeds)"}}
    )

    assert _seed(session, seeds, prefer).conflicts == []
    assert client.get(ENERGY).json()["title"] == title
    again = _seed(session, seeds)
    assert again.conflicts == [] and again.updated == []


def test_a_record_deleted_over_the_api_and_changed_in_the_seeds_stays_deleted(
    client: TestClient, session: Session, auth: dict[str, str], tmp_path: Path
) -> None:
    _delete(client, CULTURE, auth)
    seeds = seeds_copy(tmp_path, {("agreements.yaml", "mou-culture-vn-az-2025"): {"status": "x"}})

    report = _seed(session, seeds)

    assert [(c.record_id, c.fields) for c in report.conflicts] == [
        ("mou-culture-vn-az-2025", ("status",))
    ]
    assert client.get(CULTURE).status_code == 404


def test_a_record_removed_from_the_seeds_is_deleted_and_audited(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    seeds = seeds_copy(tmp_path, {})
    records = yaml.safe_load((seeds / "agreements.yaml").read_text(encoding="utf-8"))
    (seeds / "agreements.yaml").write_text(
        yaml.safe_dump([r for r in records if r["id"] != "mou-culture-vn-az-2025"]),
        encoding="utf-8",
    )

    report = _seed(session, seeds)

    assert report.deleted == ["agreement mou-culture-vn-az-2025"]
    assert client.get(CULTURE).status_code == 404
    tombstone = client.get(f"{CULTURE}/history").json()["items"][-1]
    assert (tombstone["actor"], tombstone["action"], tombstone["after"]) == ("seed", "delete", None)
    assert session.get(SeedState, ("agreement", "mou-culture-vn-az-2025")) is None


def test_seeding_an_unchanged_database_writes_nothing(session: Session) -> None:
    report = _seed(session)
    assert report.created == report.updated == report.deleted == report.conflicts == []
    assert "agreement mou-energy-vn-az-2025" in report.unchanged
    assert session.scalars(select(Change)).first() is None


def test_a_database_seeded_before_seed_state_existed_keeps_its_api_edits(
    client: TestClient, session: Session, auth: dict[str, str], tmp_path: Path
) -> None:
    """Upgraded to 0007, `seed_state` is empty: the audit log tells what seeding wrote."""
    _patch(client, ENERGY, {"title": "API"}, auth)
    session.execute(delete(SeedState))
    seeds = seeds_copy(
        tmp_path, {("agreements.yaml", "mou-culture-vn-az-2025"): {"status": "signed (seeds)"}}
    )

    report = _seed(session, seeds)

    assert report.kept == ["agreement mou-energy-vn-az-2025"]
    assert report.updated == ["agreement mou-culture-vn-az-2025: status"]
    assert report.conflicts == []
    assert client.get(ENERGY).json()["title"] == "API"


def test_relations_and_discrepancies_follow_the_files(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    """Not editable over the API: the files are their only writer, removals included."""
    seeds = seeds_copy(tmp_path, {})
    for name, gone in (
        ("relations.yaml", "diplomatic-relations-vn-az-1992"),
        ("discrepancies.yaml", "baku-documents-signed-count"),
    ):
        records = yaml.safe_load((seeds / name).read_text(encoding="utf-8"))
        (seeds / name).write_text(
            yaml.safe_dump([r for r in records if r["id"] != gone]), encoding="utf-8"
        )

    report = _seed(session, seeds)

    assert report.conflicts == []
    assert session.get(RelationEvent, "diplomatic-relations-vn-az-1992") is None
    assert session.get(RelationEvent, "strategic-partnership-vn-az-2025") is not None
    assert session.get(Discrepancy, "baku-documents-signed-count") is None
    assert not session.scalars(
        select(Citation).where(Citation.record_id == "diplomatic-relations-vn-az-1992")
    ).first()


def test_a_record_stored_under_older_rules_is_read_and_brought_up_to_date(
    session: Session,
) -> None:
    """A rule made stricter (a signatory's `kind` must now be cited or labelled) leaves the
    records written before it breaking today's rules: seeding reads them as stored and
    writes the files' version, instead of failing to read them."""
    session.execute(
        delete(Citation).where(
            Citation.record_type == "signatory",
            Citation.record_id == "socar",
            Citation.field == "kind",
        )
    )
    state = session.get(SeedState, ("signatory", "socar"))
    assert state is not None
    older = [c for c in state.record["citations"] if c.get("field") != "kind"]
    state.record = {**state.record, "citations": older}
    state.sha256 = canonical_hash(state.record)
    session.flush()
    signatories = KINDS["signatory"]
    stored = storage.read(session, signatories, "socar")
    assert stored is not None and "kind" not in {c.field for c in stored.citations}

    report = _seed(session)

    assert report.updated == ["signatory socar: citations"]
    assert report.conflicts == []
    again = storage.read(session, signatories, "socar")
    assert again is not None and "kind" in {c.field for c in again.citations}

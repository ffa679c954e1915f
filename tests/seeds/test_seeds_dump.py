"""`seeds dump`: the database written back as seed files answers every URL the same once
seeded into a fresh database, and dumping twice gives the same bytes."""

from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.config import Settings, get_settings
from app.curation.keys import create_key
from app.db import make_engine, migrate
from app.main import create_app
from app.seeding import startup
from app.seeding.dump_yaml import dump_seeds

QUOTE = "signed a memorandum of understanding on cooperation in the energy sector"


def _edit_over_the_api(client: TestClient, session: Session) -> None:
    _, secret = create_key(session, "curator", "admin")
    auth = {"Authorization": f"Bearer {secret}"}
    for url, body in (
        ("/api/v1/sectors", {"id": "hydrogen", "name": "Hydrogen", "parent": "energy"}),
        (
            "/api/v1/sources",
            {"id": "api-source", "title": "Added over the API", "kind": "note", "text": QUOTE},
        ),
        (
            "/api/v1/agreements",
            {
                "id": "mou-hydrogen-test",
                "title": "Hydrogen MoU",
                "kind": "mou",
                "parties": [{"country": "VN"}, {"country": "AZ"}],
                "sectors": ["hydrogen", "energy"],
                "citations": [
                    {"source": "api-source", "quote": QUOTE},
                    *(
                        {"source": "api-source", "quote": QUOTE, "field": field}
                        for field in ("kind", "parties", "sectors")
                    ),
                ],
            },
        ),
    ):
        assert client.post(url, json=body, headers=auth).status_code == 201
    for url, patch in (
        ("/api/v1/agreements/mou-energy-vn-az-2025", {"title": "Energy MoU, edited"}),
        (
            "/api/v1/signatories/petrovietnam",
            {
                "aliases": ["PVN"],
                "provenance": {"aliases.PVN": {"basis": "reference", "dataset": "a test"}},
            },
        ),
    ):
        etag = client.get(url).headers["etag"]
        assert client.patch(url, json=patch, headers={**auth, "If-Match": etag}).is_success
    url = "/api/v1/agreements/mou-culture-vn-az-2025"
    etag = client.get(url).headers["etag"]
    assert client.delete(url, headers={**auth, "If-Match": etag}).is_success


def _every_answer(client: TestClient) -> dict[str, object]:
    """Every list (all pages) and every detail it links to, plus the derived views."""
    answers: dict[str, object] = {}
    for plural, key in (
        ("agreements", "id"),
        ("visits", "id"),
        ("signatories", "id"),
        ("sectors", "id"),
        ("sources", "id"),
        ("countries", "code"),
    ):
        offset, items = 0, []
        while True:
            page = client.get(f"/api/v1/{plural}", params={"limit": 100, "offset": offset})
            assert page.status_code == 200, page.text
            items += page.json()["items"]
            answers[f"{plural}?offset={offset}"] = page.json()
            offset += 100
            if offset >= page.json()["total"]:
                break
        for item in items:
            detail = client.get(f"/api/v1/{plural}/{item.get(key) or item['id']}")
            answers[detail.url.path] = detail.json()
    for url in (
        "/api/v1/relations/VN/AZ",
        "/api/v1/timeline?country=VN&country=AZ",
        "/api/v1/search?q=energy",
    ):
        answers[url] = client.get(url).json()
    return answers


def test_dump_then_seed_a_fresh_database_answers_every_url_the_same(
    client: TestClient, session: Session, scratch_url: str, tmp_path: Path
) -> None:
    _edit_over_the_api(client, session)
    first, second = tmp_path / "first", tmp_path / "second"
    dump_seeds(session, first, get_settings().seeds_dir)
    dump_seeds(session, second, get_settings().seeds_dir)
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file())
    assert all((first / f).read_bytes() == (second / f).read_bytes() for f in files)
    assert Path("api-source.txt") in files and Path("sources/000_ceacb9c28e99441a.txt") in files

    migrate.upgrade(scratch_url)
    engine = make_engine(scratch_url)
    report = startup.seed(engine, first)
    engine.dispose()
    assert report.conflicts == []

    fresh = create_app(Settings(database_url=scratch_url, rate_limit_anonymous="off"))
    with TestClient(fresh) as mirror:
        original, restored = _every_answer(client), _every_answer(mirror)
    fresh.state.engine.dispose()
    assert original.keys() == restored.keys()
    for url in original:
        assert restored[url] == original[url], url
    assert original["/api/v1/agreements/mou-energy-vn-az-2025"]["title"] == "Energy MoU, edited"
    assert "/api/v1/agreements/mou-culture-vn-az-2025" not in original


def test_a_source_file_name_cannot_leave_the_dump_directory(
    session: Session, tmp_path: Path
) -> None:
    import pytest

    from app.models import Source
    from app.seeding.dump_yaml import DumpError

    session.get(Source, "vns-baku-signing-ceremony-2025").filename = "../outside.txt"
    session.flush()
    with pytest.raises(DumpError, match="leaves"):
        dump_seeds(session, tmp_path / "dump", get_settings().seeds_dir)
    assert not (tmp_path / "outside.txt").exists()


def test_dumping_the_seeded_database_gives_back_the_seed_files(
    session: Session, tmp_path: Path
) -> None:
    seeds = get_settings().seeds_dir
    dump_seeds(session, tmp_path, seeds)
    for path in sorted(p for p in tmp_path.rglob("*") if p.is_file()):
        assert path.read_bytes() == (seeds / path.relative_to(tmp_path)).read_bytes(), path


def test_an_api_edit_shows_in_the_dump_as_the_lines_it_changed(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    import difflib

    _, secret = create_key(session, "curator", "write")
    url = "/api/v1/agreements/mou-energy-vn-az-2025"
    etag = client.get(url).headers["etag"]
    headers = {"Authorization": f"Bearer {secret}", "If-Match": etag}
    assert client.patch(url, json={"title": "Energy MoU, edited"}, headers=headers).is_success
    seeds = get_settings().seeds_dir
    dump_seeds(session, tmp_path, seeds)

    diff = difflib.unified_diff(
        (seeds / "agreements.yaml").read_text(encoding="utf-8").splitlines(),
        (tmp_path / "agreements.yaml").read_text(encoding="utf-8").splitlines(),
        n=0,
        lineterm="",
    )
    changed = [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]
    assert changed == [
        "-  title: Memorandum of understanding on cooperation in the energy sector",
        "+  title: Energy MoU, edited",
    ]

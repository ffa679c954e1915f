"""`treaty-api export` / `import`: a dump restored into an empty database answers every API
request byte for byte as the original did, audit trail included (and keys, when asked);
import refuses anything but a complete, valid dump of the same schema into an empty
database, names the line, table, record and field of what is wrong, and writes nothing
when it refuses. Runs on databases of the test database's kind (SQLite or PostgreSQL)."""

import gzip
import io
import json
import os
import pty
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select, text
from typer.testing import CliRunner

from app.backup.ndjson import DumpError, export_database, import_database, tables
from app.cli import cli
from app.config import Settings, get_settings
from app.curation import service
from app.curation.keys import create_key, hash_key, revoke_key
from app.db import make_engine, migrate, transaction
from app.kinds.quotes import anchor
from app.kinds.registry import KINDS
from app.kinds.row_rules import row_models
from app.main import create_app
from app.models import ApiKey, Change, Citation, Sector
from tests.servers import scratch_database

AGREEMENT = "mou-energy-vn-az-2025"


@pytest.fixture(scope="module")
def source(
    db_url: str, seeded_template: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, str]]:
    """A seeded database with writes on top (audit entries, deferred self-references,
    re-numbered citations) and two keys; yields its URL and the admin key's secret."""
    folder = tmp_path_factory.mktemp("dump")
    with scratch_database(db_url, folder, "dump_source", template=seeded_template) as source_url:
        yield source_url, _write_on_top(source_url)


def _write_on_top(source_url: str) -> str:
    """The writes and keys of `source`; the admin key's secret."""
    engine = make_engine(source_url)
    sectors = KINDS.plural("sectors")
    with transaction(engine) as session:
        _, secret = create_key(session, "dump-admin", "admin")
        create_key(session, "retired", "read")
        revoke_key(session, "retired")
        # The child sorts before its parent, so import must defer its parent link.
        for record in (
            {"id": "zz-dump-parent", "name": "Dump parent", "parent": "energy"},
            {"id": "aa-dump-child", "name": "Dump child", "parent": "zz-dump-parent"},
            {"id": "dump-doomed", "name": "Deleted again"},
        ):
            service.create(session, sectors, record, "dump-admin")
    with transaction(engine) as session:
        service.update(session, sectors, "aa-dump-child", {"description": "Ünïcode – ok"}, "x")
        service.delete(session, sectors, "dump-doomed", "dump-admin")
        agreements = KINDS.plural("agreements")
        title = service.current(session, agreements, AGREEMENT).title
        service.update(session, agreements, AGREEMENT, {"title": title + " (corrected)"}, "x")
    engine.dispose()
    return secret


def export(database_url: str, include_keys: bool) -> bytes:
    engine = make_engine(database_url)
    out = io.BytesIO()
    export_database(engine, out, include_keys=include_keys)
    engine.dispose()
    return out.getvalue()


@pytest.fixture(scope="module")
def dump(source: tuple[str, str]) -> bytes:
    """A dump with the API keys (`--include-keys`)."""
    return export(source[0], include_keys=True)


@pytest.fixture(scope="module")
def plain_dump(source: tuple[str, str]) -> bytes:
    """A dump as `export` writes it by default: no API keys."""
    return export(source[0], include_keys=False)


@pytest.fixture
def target(scratch_url: str) -> Iterator[Engine]:
    """The empty scratch database, migrated."""
    migrate.upgrade(scratch_url)
    engine = make_engine(scratch_url)
    yield engine
    engine.dispose()


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {t.name: conn.scalar(select(func.count()).select_from(t)) or 0 for t in tables()}


def urls(engine: Engine) -> list[str]:
    """Every list page, every detail, history, relations and timelines of the database."""
    with engine.connect() as conn:

        def ids(sql: str) -> list[str]:
            return [str(row[0]) for row in conn.execute(text(sql))]

        n = counts(engine)
        found = ["/", "/health", "/api/v1/changes?limit=1000", "/api/v1/changes?limit=2&since=1"]
        for plural, table in (
            ("agreements", "agreements"),
            ("visits", "visits"),
            ("signatories", "signatories"),
            ("sectors", "sectors"),
            ("sources", "sources"),
            ("countries", "countries"),
        ):
            found += [
                f"/api/v1/{plural}?limit=100&offset={offset}"
                for offset in range(0, n[table] + 1, 100)
            ]
            found += [f"/api/v1/{plural}/{i}" for i in ids(f"SELECT id FROM {table}")]
        for plural, table in (
            ("agreements", "agreements"),
            ("visits", "visits"),
            ("signatories", "signatories"),
            ("sectors", "sectors"),
            ("sources", "sources"),
        ):
            found += [f"/api/v1/{plural}/{i}/history" for i in ids(f"SELECT id FROM {table}")]
        found += ["/api/v1/sectors/dump-doomed/history"]
        for a, b in conn.execute(text("SELECT country_a_id, country_b_id FROM relation_events")):
            found += [f"/api/v1/relations/{a}/{b}", f"/api/v1/timeline?country={a}&country={b}"]
        found += [
            "/api/v1/timeline?country=VN&limit=100",
            "/api/v1/timeline?country=AZ&limit=100",
            "/api/v1/search?q=energy&limit=100",
            "/api/v1/search?q=baku&limit=100",
            "/api/v1/agreements?format=csv&limit=100",
            "/api/v1/agreements?format=ndjson&limit=100",
            "/api/v1/agreements?include=citations&limit=100",
            "/api/v1/agreements?sort=-date&limit=100",
            "/api/v1/agreements?country=VN&country=AZ&facets=sector&facets=year&limit=100",
            "/api/v1/agreements?q=energy&limit=100",
        ]
    return found


def responses(database_url: str, paths: list[str], secret: str) -> dict[str, tuple]:
    app = create_app(
        Settings(database_url=database_url, rate_limit_anonymous="off", rate_limit_keyed="off")
    )
    answers = {}
    with TestClient(app) as client:
        for path in [*paths, "/api/v1/keys"]:
            r = client.get(path, headers={"X-API-Key": secret} if path == "/api/v1/keys" else {})
            answers[path] = (
                r.status_code,
                r.headers.get("content-type"),
                r.headers.get("etag"),
                r.headers.get("link"),
                r.content,
            )
    app.state.engine.dispose()
    return answers


def test_restored_database_answers_byte_for_byte(
    source: tuple[str, str], dump: bytes, target: Engine, scratch_url: str
) -> None:
    source_url, secret = source
    imported = import_database(target, io.BytesIO(dump), include_keys=True).rows
    original = make_engine(source_url)
    assert imported == counts(original) == counts(target)
    assert imported["changes"] == 6 and imported["api_keys"] == 2
    paths = urls(original)
    assert len(paths) > 300
    before, after = responses(source_url, paths, secret), responses(scratch_url, paths, secret)
    assert [p for p in paths if before[p][0] != 200] == []
    assert before["/api/v1/keys"][0] == 200  # the admin key works on the restored database
    assert [p for p in before if before[p] != after[p]] == []
    assert len(json.loads(after["/api/v1/changes?limit=1000"][4])["items"]) == 6

    # A second export of the restored database is the same dump, to the byte.
    again = io.BytesIO()
    export_database(target, again, include_keys=True)
    assert again.getvalue().splitlines()[1:] == dump.splitlines()[1:]

    # New writes get fresh ids (sequences were moved past the loaded ones).
    with transaction(target) as session:
        top = session.scalar(select(func.max(Change.id)))
        top_citation = session.scalar(select(func.max(Citation.id)))
        key, _ = create_key(session, "after-restore", "write")
        assert key.id == 3
        service.create(session, KINDS.plural("sectors"), {"id": "later", "name": "L"}, "after")
        agreements = KINDS.plural("agreements")
        service.update(session, agreements, AGREEMENT, {"status": "restored"}, "after")
        source_id = session.scalar(select(Citation.source_id).limit(1))
        citation = Citation(
            record_type="agreement",
            record_id="x",
            source_id=source_id,
            quote="",
            **anchor("", "").columns(),  # type: ignore[union-attr]
        )
        session.add(citation)
        session.flush()
        assert citation.id > top_citation
    with transaction(target) as session:
        assert session.scalar(select(func.max(Change.id))) == top + 2
        assert session.get(Sector, "aa-dump-child").parent_id == "zz-dump-parent"
        assert session.scalar(select(ApiKey.revoked_at).where(ApiKey.name == "retired"))
        assert session.scalar(select(ApiKey.name).where(ApiKey.key_hash == hash_key(secret)))
    original.dispose()


def test_header_and_trailer(dump: bytes) -> None:
    lines = dump.decode().splitlines()
    header, trailer = json.loads(lines[0]), json.loads(lines[-1])
    assert header["format"] == "treaty-api-dump" and header["version"] == 1
    assert header["schema_revision"]
    assert [t["name"] for t in header["tables"]] == [t.name for t in tables()]
    assert sum(trailer["end"]["rows"].values()) == len(lines) - 2


def test_import_into_a_non_empty_database_fails_and_changes_nothing(
    dump: bytes, target: Engine
) -> None:
    import_database(target, io.BytesIO(dump))
    before = counts(target)
    with pytest.raises(DumpError, match="not empty"):
        import_database(target, io.BytesIO(dump))
    assert counts(target) == before


def rewrite_header(dump: bytes, **changes: object) -> bytes:
    first, rest = dump.split(b"\n", 1)
    return json.dumps({**json.loads(first), **changes}).encode() + b"\n" + rest


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda d: rewrite_header(d, version=2), "version 2 is not supported"),
        (lambda d: rewrite_header(d, format="other"), "not a treaty-api-dump"),
        (lambda d: rewrite_header(d, schema_revision="0001"), "schema revision"),
        (lambda d: rewrite_header(d, tables=[]), "do not match this schema"),
        (lambda d: d.rsplit(b"\n", 2)[0] + b"\n", "truncated"),
        (lambda d: d.replace(b'"table":"changes"', b'"table":"nope"', 1), "known table"),
        (lambda d: b"", "empty"),
        (
            lambda d: b"\n".join(x for x in d.split(b"\n") if b'{"table":"sources"' not in x),
            r"line \d+: table citations, record 1, field source_id: unknown source",
        ),
    ],
)
def test_a_bad_dump_is_refused_and_nothing_is_written(
    dump: bytes, target: Engine, mangle, message: str
) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(DumpError, match=message):
        import_database(target, io.BytesIO(mangle(dump)))
    assert set(counts(target).values()) == {0}


def test_an_unmigrated_database_is_refused(dump: bytes, scratch_url: str) -> None:
    engine = make_engine(scratch_url)
    with pytest.raises(DumpError, match="db upgrade"):
        import_database(engine, io.BytesIO(dump))
    engine.dispose()


def test_cli_round_trip(
    source: tuple[str, str],
    target: Engine,
    scratch_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner = CliRunner()
    path = tmp_path / "treaty.ndjson.gz"

    def run(database_url: str, *args: str):  # type: ignore[no-untyped-def]
        monkeypatch.setenv("DATABASE_URL", database_url)
        get_settings.cache_clear()
        return runner.invoke(cli, list(args))

    try:
        exported = run(source[0], "export", str(path))
        assert exported.exit_code == 0, exported.output
        with gzip.open(path) as f:
            assert json.loads(f.readline())["format"] == "treaty-api-dump"
        assert "warning" not in exported.stderr
        imported = run(scratch_url, "import", str(path))
        assert imported.exit_code == 0, imported.output
        assert "imported" in imported.output
        again = run(scratch_url, "import", str(path))
        assert again.exit_code == 1
        assert "not empty" in again.output
        stdout = run(scratch_url, "export", "-")
        assert stdout.exit_code == 0
    finally:
        get_settings.cache_clear()
    original = make_engine(source[0])
    assert counts(target) == {**counts(original), "api_keys": 0}  # keys only when asked
    original.dispose()
    lines = stdout.stdout_bytes.splitlines()
    with gzip.open(path) as f:
        assert f.read().splitlines()[1:] == lines[1:]


def edit_row(dump: bytes, table: str, match: dict, **changes: object) -> tuple[bytes, int]:
    """The dump with `changes` made to the first `table` row that has `match`'s values,
    and that row's line number."""
    lines = dump.split(b"\n")
    for number, raw in enumerate(lines, start=1):
        if raw.startswith(b'{"table":' + json.dumps(table).encode() + b","):
            obj = json.loads(raw)
            if match.items() <= obj["row"].items():
                obj["row"].update(changes)
                lines[number - 1] = json.dumps(obj, ensure_ascii=False).encode()
                return b"\n".join(lines), number
    raise AssertionError(f"no {table} row with {match}")


def nested(depth: int) -> object:
    """A JSON object `depth` levels deep."""
    value: object = 1
    for _ in range(depth):
        value = {"a": value}
    return value


SOURCE = "vns-baku-signing-ceremony-2025"
ANCHOR_COLUMNS = ("quote_start", "quote_end", "quote_prefix", "quote_suffix")
QUOTE = "signed a memorandum of understanding on cooperation in the energy sector"
VISIT = "state-visit-to-lam-azerbaijan-2025"
BAD_ROWS: dict[str, tuple[str, dict, dict, str, str]] = {
    # case: (table, row to edit, changes, field named, message)
    "edited quote": (
        "citations",
        {"record_type": "agreement", "record_id": AGREEMENT},
        {"quote": QUOTE + ", edited"},
        "quote",
        f"not a verbatim quote of source {SOURCE!r}",
    ),
    "reading not stated by its quote": (
        "discrepancy_readings",
        {"discrepancy_id": "baku-documents-signed-count"},
        {"value": "seven documents"},
        "value",
        "a reading's value must be words of its quote",
    ),
    "quote moved in its source": (
        "citations",
        {"record_type": "agreement", "record_id": AGREEMENT},
        {"quote_start": 0},
        "quote_start",
        "is not where the quote stands",
    ),
    "reading moved in its source": (
        "discrepancy_readings",
        {"discrepancy_id": "baku-ceremony-year", "position": 0},
        {"quote_start": 0},
        "quote_start",
        "0 is not where the quote stands (245)",
    ),
    "reading's text around it edited": (
        "discrepancy_readings",
        {"discrepancy_id": "baku-ceremony-year", "position": 0},
        {"quote_suffix": " in Hanoi"},
        "quote_suffix",
        "is not where the quote stands",
    ),
    "stale sha256": (
        "sources",
        {"id": SOURCE},
        {"sha256": "0" * 64},
        "sha256",
        "SHA-256 is",
    ),
    "text without its sha256": (
        "sources",
        {"id": SOURCE},
        {"text": "A shorter text, with its old digest."},
        "sha256",
        "SHA-256 is",
    ),
    "unknown kind": ("agreements", {"id": AGREEMENT}, {"kind": "not-a-kind"}, "kind", "Input"),
    "impossible date": (
        "agreements",
        {"id": AGREEMENT},
        {"date": "2025-02-30", "date_precision": "day"},
        "date",
        "not a real date",
    ),
    "non-ASCII digits": ("visits", {"id": VISIT}, {"date": "٢٠٢٥"}, "date", "is not YYYY"),
    "interval not following the date": (
        "agreements",
        {"id": AGREEMENT},
        {"date_start": "1900-01-01"},
        "date_start",
        "does not follow from date",
    ),
    "unknown visit": (
        "agreements",
        {"id": AGREEMENT},
        {"visit_id": "no-such-visit"},
        "visit_id",
        "unknown visits id 'no-such-visit'",
    ),
    "unknown party": (
        "agreement_parties",
        {"agreement_id": AGREEMENT},
        {"country_id": "XZ"},
        "country_id",
        "unknown countries id 'XZ'",
    ),
    "unknown sector parent": (
        "sectors",
        {"id": "aa-dump-child"},
        {"parent_id": "no-such-sector"},
        "parent_id",
        "unknown id 'no-such-sector'",
    ),
    "citation of no record": (
        "citations",
        {"record_type": "agreement", "record_id": AGREEMENT},
        {"record_id": "no-such-agreement"},
        "record_id",
        "unknown agreement id 'no-such-agreement'",
    ),
    "discrepancy about no record": (
        "discrepancies",
        {},
        {"record_id": "no-such-record"},
        "record_id",
        "id 'no-such-record'",
    ),
    "NUL in a title": ("agreements", {"id": AGREEMENT}, {"title": "MoU\u0000"}, "title", "U+0000"),
    "escape in an alias": (
        "signatories",
        {"id": "petrovietnam"},
        {"aliases": ["\u001b[31mPVN"]},
        "aliases.0",
        "U+001B",
    ),
    "blank name": ("sectors", {"id": "energy"}, {"name": "   "}, "name", "must not be blank"),
    "a citation of no field": (
        "citations",
        {"record_type": "agreement", "record_id": AGREEMENT},
        {"field": "evil"},
        "field",
        "'evil' is not a field of",
    ),
    "provenance of no field": (
        "visits",
        {"id": VISIT},
        {"provenance": {"evil": {"basis": "inferred", "reason": "A test."}}},
        "provenance.evil",
        "'evil' is not a field of this record",
    ),
    "an external id of no declared dataset": (
        "signatories",
        {"id": "ho-chi-minh"},
        {"external_ids": {"evil": "x"}},
        "external_ids.evil.[key]",
        "Input should be 'wikidata'",
    ),
    "a country's external id of no declared dataset": (
        "countries",
        {"id": "VN"},
        {"external_ids": {"wikidata": "Q881", "evil": "x"}},
        "external_ids.evil.[key]",
        "Input should be",
    ),
    "name of zero-width characters": (
        "sectors",
        {"id": "energy"},
        {"name": "\u200b\u200d\ufeff"},
        "name",
        "must not be blank",
    ),
    "bidi override in a title": (
        "agreements",
        {"id": AGREEMENT},
        {"title": "MoU \u202e5202"},
        "title",
        "U+202E",
    ),
    "bidi isolate in a quote": (
        "citations",
        {"record_type": "agreement", "record_id": AGREEMENT},
        {"quote": "\u2068" + QUOTE},
        "quote",
        "U+2068",
    ),
    "quote without a word": (
        "citations",
        {"record_type": "agreement", "record_id": AGREEMENT},
        {"quote": "e"},
        "quote",
        "at least one word",
    ),
    "sector cycle": (
        "sectors",
        {"id": "energy"},
        {"parent_id": "aa-dump-child"},  # under its own grandchild (zz-dump-parent's child)
        "parent_id",
        "would make the sector tree a cycle",
    ),
    "seed_state sha256 edited": (
        "seed_state",
        {"record_type": "sector", "record_id": "energy"},
        {"sha256": "0" * 64},
        "sha256",
        "is not the SHA-256 of its record's canonical JSON",
    ),
    "seed_state record edited": (
        "seed_state",
        {"record_type": "sector", "record_id": "energy"},
        {"record": {"id": "energy", "name": "Edited", "parent": None, "description": None}},
        "sha256",
        "is not the SHA-256 of its record's canonical JSON",
    ),
    "seed_state record not of its kind": (
        "seed_state",
        {"record_type": "sector", "record_id": "energy"},
        {"record": {"id": "energy", "title": "Energy"}},
        "record.name",
        "Field required",
    ),
    "seed_state record of another id": (
        "seed_state",
        {"record_type": "sector", "record_id": "energy"},
        {"record_id": "not-energy"},
        "record.id",
        "is not the row's record_id 'not-energy'",
    ),
    "audit entry nested 300 deep": (
        "changes",
        {"action": "update"},
        {"before": nested(300)},
        "before",
        "nests more than 32 levels deep",
    ),
    "id with a trailing newline": (
        "sectors",
        {"id": "zz-dump-parent"},
        {"id": "zz-dump-parent\n"},
        "id",
        "must be a slug",
    ),
}


@pytest.mark.parametrize("case", BAD_ROWS)
def test_a_dump_breaking_a_record_rule_is_refused_naming_the_place(
    plain_dump: bytes, target: Engine, case: str
) -> None:
    table, match, changes, field, message = BAD_ROWS[case]
    bad, line = edit_row(plain_dump, table, match, **changes)
    record = json.loads(bad.split(b"\n")[line - 1])["row"]
    key = "/".join(str(record[c.name]) for c in {t.name: t for t in tables()}[table].primary_key)
    key = json.dumps(key)[1:-1]
    with pytest.raises(DumpError) as refused:
        import_database(target, io.BytesIO(bad))
    named = f"line {line}: table {table}, record {key}, field {field}: "
    assert any(
        problem.strip().startswith(named) and message in problem
        for problem in str(refused.value).splitlines()
    ), str(refused.value)
    assert set(counts(target).values()) == {0}


def test_a_line_nested_too_deeply_is_refused_naming_it(plain_dump: bytes, target: Engine) -> None:
    """A JSON value nested 100,000 deep (deeper than Python's parser recurses) is a DumpError
    naming its line, not an uncaught RecursionError."""
    header, rest = plain_dump.split(b"\n", 1)
    deep = b'{"table":"changes","row":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(DumpError, match=r"^line 2: "):
        import_database(target, io.BytesIO(header + b"\n" + deep + b"\n" + rest))
    assert set(counts(target).values()) == {0}


def test_a_dump_repeating_a_citation_of_a_record_is_refused(
    plain_dump: bytes, target: Engine
) -> None:
    rows = [
        json.loads(line)["row"]
        for line in plain_dump.split(b"\n")
        if line.startswith(b'{"table":"citations",')
    ]
    first, second = [r for r in rows if r["record_id"] == AGREEMENT][:2]
    same = {k: first[k] for k in ("source_id", "quote", "field", *ANCHOR_COLUMNS)}
    bad, line = edit_row(plain_dump, "citations", {"id": second["id"]}, **same)
    with pytest.raises(DumpError) as refused:
        import_database(target, io.BytesIO(bad))
    named = f"line {line}: table citations, record {second['id']}, field -: repeats citation"
    assert named in str(refused.value), str(refused.value)
    assert set(counts(target).values()) == {0}


def test_the_checker_accepts_what_export_writes(plain_dump: bytes, target: Engine) -> None:
    """The refusals above come from the edits: the unedited dump loads."""
    assert import_database(target, io.BytesIO(plain_dump)).rows["agreements"] > 0


def test_every_table_has_row_rules() -> None:
    assert {t.name for t in tables()} == set(row_models(KINDS))


def test_a_default_export_carries_no_key_material(
    source: tuple[str, str], plain_dump: bytes
) -> None:
    engine = make_engine(source[0])
    with engine.connect() as conn:
        hashes = list(conn.scalars(select(ApiKey.key_hash)))
    engine.dispose()
    assert hashes
    assert all(h.encode() not in plain_dump for h in hashes)
    assert b'"api_keys"' not in plain_dump


def test_import_creates_keys_only_when_asked(
    source: tuple[str, str], dump: bytes, target: Engine, scratch_url: str
) -> None:
    imported = import_database(target, io.BytesIO(dump))
    assert imported.skipped_keys == 2
    assert counts(target)["api_keys"] == 0
    assert counts(target)["changes"] == 6
    assert responses(scratch_url, [], source[1])["/api/v1/keys"][0] == 401


def test_a_key_row_added_to_a_dump_does_not_become_a_key(
    dump: bytes, plain_dump: bytes, target: Engine, scratch_url: str
) -> None:
    secret = "tk_forged-secret-forged-secret-forged-secret0"
    forged = {
        "table": "api_keys",
        "row": {
            "id": 99,
            "name": "forged",
            "scope": "admin",
            "key_hash": hash_key(secret),
            "prefix": secret[:10],
            "created_at": "2026-01-01T00:00:00+00:00",
            "revoked_at": None,
        },
    }
    # Into a dump without keys: there is no api_keys table to add it to.
    header, rest = plain_dump.split(b"\n", 1)
    with pytest.raises(DumpError, match="not a row of a known table"):
        import_database(
            target, io.BytesIO(header + b"\n" + json.dumps(forged).encode() + b"\n" + rest)
        )
    # Into a dump with keys, imported without --include-keys: left out.
    header, rest = dump.split(b"\n", 1)
    trailer = json.loads(rest.rstrip(b"\n").rsplit(b"\n", 1)[1])
    trailer["end"]["rows"]["api_keys"] += 1
    body = rest.rstrip(b"\n").rsplit(b"\n", 1)[0]
    with_forged = b"\n".join(
        [header, json.dumps(forged).encode(), body, json.dumps(trailer).encode()]
    )
    assert import_database(target, io.BytesIO(with_forged)).skipped_keys == 3
    assert responses(scratch_url, [], secret)["/api/v1/keys"][0] == 401


def test_cli_export_warns_when_it_includes_keys(
    source: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", source[0])
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(cli, ["export", "--include-keys", str(tmp_path / "d.ndjson")])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "warning" in result.stderr and "keys" in result.stderr
    assert b'"table":"api_keys"' in (tmp_path / "d.ndjson").read_bytes()


def _on_a_terminal(args: list[str], database_url: str) -> tuple[int, str]:
    """Run the CLI with stderr on a pseudo-terminal (as in a shell); its exit code and what
    the terminal showed."""
    leader, follower = pty.openpty()
    command = [str(Path(sys.executable).parent / "treaty-api"), *args]
    env = {**os.environ, "DATABASE_URL": database_url, "COLUMNS": "120"}
    with subprocess.Popen(command, stderr=follower, stdout=subprocess.DEVNULL, env=env) as run:
        os.close(follower)
        shown = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            shown += chunk
        code = run.wait(timeout=120)
    os.close(leader)
    return code, shown.decode(errors="replace")


def test_export_and_import_show_progress_on_a_terminal_only(
    source: tuple[str, str], scratch_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "d.ndjson"
    code, shown = _on_a_terminal(["export", str(path)], source[0])
    assert code == 0, shown
    written = sum(json.loads(path.read_bytes().rsplit(b"\n", 2)[1])["end"]["rows"].values())
    assert f"{written}/?" in shown and "rows/s" in shown
    migrate.upgrade(scratch_url)
    code, shown = _on_a_terminal(["import", str(path)], scratch_url)
    assert code == 0, shown
    assert "import" in shown and "lines" in shown
    monkeypatch.setenv("DATABASE_URL", source[0])
    get_settings.cache_clear()
    try:
        piped = CliRunner().invoke(cli, ["export", str(tmp_path / "piped.ndjson")])
    finally:
        get_settings.cache_clear()
    assert piped.exit_code == 0 and piped.stderr.startswith("exported "), piped.stderr


def test_seed_shows_progress_on_a_terminal(scratch_url: str) -> None:
    migrate.upgrade(scratch_url)
    code, shown = _on_a_terminal(["seed"], scratch_url)
    assert code == 0, shown
    assert "seed" in shown and "records" in shown and "records/s" in shown

"""Adding a kind of record touches its model, its migration, its declaration and its routes.

A throwaway kind, a communiqué by a signatory, is declared here the way `app/kinds/` declares
the real ones (its table stands in for a migration), and gets everything else from that
declaration: seeding (checks included), the write API, `seeds dump`, and export/import."""

import io
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import pytest
import yaml
from fastapi import APIRouter, Request, Response
from fastapi.testclient import TestClient
from sqlalchemy import Engine, String, Text, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

from app.api.deps import SessionDep, answer, found
from app.api.v1.common import record_id
from app.api.v1.writes import add_write_routes
from app.backup.ndjson import DumpError, export_database, import_database
from app.config import Settings, get_settings
from app.curation.keys import create_key
from app.db import make_engine, migrate, transaction
from app.kinds import storage
from app.kinds.declaration import Column, Kind, Ref, SeedFile, Sourced
from app.kinds.fields import Prose, RecordId
from app.kinds.registry import KINDS
from app.kinds.shapes import Cited, Dated, Provenanced
from app.kinds.shapes import Text as Line
from app.main import create_app
from app.models import Change, SeedState
from app.models._columns import DatedMixin, ProvenanceMixin, SearchableMixin
from app.seeding import startup
from app.seeding.dump_yaml import dump_seeds
from app.seeding.errors import SeedErrors
from tests.servers import scratch_database

SOURCE = "vns-baku-signing-ceremony-2025"
QUOTE = "signed a memorandum of understanding on cooperation in the energy sector"


# -- the model and its table (a migration would create it) -----------------------------------


class ThrowawayBase(DeclarativeBase):
    """The throwaway's own metadata: the app's models and migrations stay as they are."""


class Communique(DatedMixin, ProvenanceMixin, SearchableMixin, ThrowawayBase):
    __tablename__ = "test_communiques"

    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    speaker_id: Mapped[str | None] = mapped_column(String(120))
    summary: Mapped[str | None] = mapped_column(Text)


# -- its declaration ------------------------------------------------------------------------------


class CommuniqueRecord(Dated, Cited, Provenanced):
    id: RecordId
    title: Line(300)
    speaker: Annotated[RecordId | None, Column("speaker_id"), Ref("signatory"), Sourced()] = None
    summary: Prose | None = None


COMMUNIQUE = Kind(
    name="communique",
    plural="communiques",
    model=Communique,
    shape=CommuniqueRecord,
    seed_file=SeedFile(
        "communiques.yaml",
        (
            *("id", "title", "speaker", "date", "date_inferred", "date_inferred_reason"),
            *("summary", "provenance", "citations"),
        ),
    ),
    writable=True,
    citable=True,
    search=("title", "summary", "speaker"),
)
WITH_COMMUNIQUES = KINDS.with_kinds(COMMUNIQUE)


# -- its routes -----------------------------------------------------------------------------------

CommuniqueId = record_id("communique", "communique-energy-mou")
router = APIRouter(prefix="/communiques")


def communique_detail(session: Session, communique_id: str) -> CommuniqueRecord:
    return found(storage.read(session, COMMUNIQUE, communique_id), "communique", communique_id)


@router.get("/{communique_id}", response_model=CommuniqueRecord)
async def get_communique(
    request: Request, communique_id: CommuniqueId, session: SessionDep
) -> Response:
    return await answer(request, session, lambda s: communique_detail(s, communique_id))


add_write_routes(router, COMMUNIQUE, communique_detail, CommuniqueRecord, "communique-energy-mou")


# -- what it gets -----------------------------------------------------------------------------------


def communique(id: str, **fields: object) -> dict[str, object]:
    return {
        "id": id,
        "title": "Tô Lâm on the energy MoU",
        "speaker": "to-lam",
        "citations": [
            {"source": SOURCE, "quote": QUOTE},
            {"source": SOURCE, "quote": QUOTE, "field": "speaker"},
        ],
        **fields,
    }


@pytest.fixture
def database(seeded_url: str) -> Iterator[Engine]:
    """A seeded database with the throwaway's table."""
    engine = make_engine(seeded_url)
    ThrowawayBase.metadata.create_all(engine)
    yield engine
    engine.dispose()


COMMUNIQUES_FILE = f"""# Communiqués by signatories, as a curator writes them.
- id: communique-energy-mou
  title: Tô Lâm on the energy MoU
  speaker: to-lam
  date: "2025"
  date_inferred: true
  date_inferred_reason: The ceremony's programme covers 2025–27.
  summary: null
  citations:
    - source: {SOURCE}
      quote: "{QUOTE}"
    - source: {SOURCE}
      quote: "{QUOTE}"
      field: speaker
"""


@pytest.fixture
def seeds(tmp_path: Path) -> Path:
    """The seed files, with a communiqués file."""
    copy = tmp_path / "seeds"
    shutil.copytree(get_settings().seeds_dir, copy)
    (copy / "communiques.yaml").write_text(COMMUNIQUES_FILE, encoding="utf-8")
    return copy


def test_seeding_checks_and_writes_it(database: Engine, seeds: Path) -> None:
    report = startup.seed(database, seeds, kinds=WITH_COMMUNIQUES)
    assert "communique communique-energy-mou" in report.created
    with transaction(database) as session:
        row = session.get(Communique, "communique-energy-mou")
        assert row is not None and row.speaker_id == "to-lam" and row.date_start.year == 2025
        assert "to lam" in row.search_text  # the speaker's names, as for a visit's guest
        assert row.provenance["date"]["basis"] == "inferred"
        assert session.get(SeedState, ("communique", "communique-energy-mou")) is not None
    again = startup.seed(database, seeds, kinds=WITH_COMMUNIQUES)
    assert "communique communique-energy-mou" in again.unchanged


def test_a_bad_communique_in_its_seed_file_is_named_and_nothing_is_written(
    database: Engine, seeds: Path
) -> None:
    bad = [communique("communique-unknown-speaker", speaker="nobody-at-all")]
    (seeds / "communiques.yaml").write_text(yaml.safe_dump(bad, sort_keys=False))
    with pytest.raises(SeedErrors) as refused:
        startup.seed(database, seeds, kinds=WITH_COMMUNIQUES)
    assert [str(e) for e in refused.value.errors] == [
        "communiques.yaml: communique-unknown-speaker: speaker: unknown signatory id 'nobody-at-all'"
    ]
    with transaction(database) as session:
        assert session.scalars(select(Communique)).all() == []


@pytest.fixture
def client(database: Engine) -> Iterator[TestClient]:
    app = create_app(
        Settings(
            database_url=str(database.url),
            rate_limit_anonymous="off",
            rate_limit_keyed="off",
            counting_index=False,
        )
    )
    app.include_router(router, prefix="/api/v1")
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture
def key(database: Engine) -> str:
    with transaction(database) as session:
        return create_key(session, "communique-curator", "admin")[1]


def test_the_write_api_creates_corrects_and_deletes_it(
    client: TestClient, key: str, database: Engine
) -> None:
    auth = {"Authorization": f"Bearer {key}"}
    url = "/api/v1/communiques"
    created = client.post(url, json=communique("communique-over-the-api"), headers=auth)
    assert created.status_code == 201, created.text
    assert created.json()["speaker"] == "to-lam"
    again = client.post(url, json=communique("communique-over-the-api"), headers=auth)
    assert again.status_code == 409
    unknown = client.post(
        url, json=communique("communique-2", speaker="nobody-at-all"), headers=auth
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["parameter"] == "speaker"

    one = f"{url}/communique-over-the-api"
    etag = client.get(one).headers["etag"]
    patched = client.patch(one, json={"title": "Corrected"}, headers={**auth, "If-Match": etag})
    assert patched.status_code == 200 and patched.json()["title"] == "Corrected"
    etag = client.get(one).headers["etag"]
    assert client.delete(one, headers={**auth, "If-Match": etag}).status_code == 204
    assert client.get(one).status_code == 404
    with transaction(database) as session:
        history = session.scalars(
            select(Change.action).where(Change.record_type == "communique").order_by(Change.id)
        ).all()
    assert history == ["create", "update", "delete"]


def test_seeds_dump_writes_its_file_back(database: Engine, seeds: Path, tmp_path: Path) -> None:
    startup.seed(database, seeds, kinds=WITH_COMMUNIQUES)
    with transaction(database) as session:
        storage.write(
            session,
            COMMUNIQUE,
            CommuniqueRecord.model_validate(communique("communique-added", title="Added later")),
        )
    out = tmp_path / "dumped"
    with transaction(database) as session:
        dump_seeds(session, out, seeds, kinds=WITH_COMMUNIQUES)
    dumped = (out / "communiques.yaml").read_text(encoding="utf-8")
    assert dumped.startswith(COMMUNIQUES_FILE)  # the curated record verbatim, the new one after
    assert yaml.safe_load(dumped)[1]["title"] == "Added later"


@pytest.fixture
def empty_with_table(db_url: str, tmp_path: Path) -> Iterator[Engine]:
    with scratch_database(db_url, tmp_path, "target") as url:
        migrate.upgrade(url)
        engine = make_engine(url)
        ThrowawayBase.metadata.create_all(engine)
        yield engine
        engine.dispose()


def test_export_and_import_carry_it(
    database: Engine, seeds: Path, empty_with_table: Engine
) -> None:
    startup.seed(database, seeds, kinds=WITH_COMMUNIQUES)
    dump = io.BytesIO()
    counts = export_database(database, dump, kinds=WITH_COMMUNIQUES)
    assert counts["test_communiques"] == 1
    bad = b"\n".join(  # its row only (seeding's state of it holds the same title)
        line.replace(b'"title":"T\xc3\xb4 L\xc3\xa2m on the energy MoU"', b'"title":"   "')
        if line.startswith(b'{"table":"test_communiques"')
        else line
        for line in dump.getvalue().split(b"\n")
    )
    with pytest.raises(
        DumpError, match="table test_communiques, record communique-energy-mou, field title"
    ):
        import_database(empty_with_table, io.BytesIO(bad), kinds=WITH_COMMUNIQUES)
    imported = import_database(
        empty_with_table, io.BytesIO(dump.getvalue()), kinds=WITH_COMMUNIQUES
    )
    assert imported.rows["test_communiques"] == 1
    with Session(empty_with_table) as session:
        assert storage.read(session, COMMUNIQUE, "communique-energy-mou") == storage.read(
            Session(database), COMMUNIQUE, "communique-energy-mou"
        )

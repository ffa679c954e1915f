"""A TypeScript page typed from the spec with openapi-typescript and the default
openapi-fetch client (`createClient<paths>()`, no media-type argument) passes `tsc --strict`
and, compiled, lists `country=AZ&sector=energy` from a live server.

The npm packages are pinned in tests/clients/ts/package-lock.json and installed once with
`npm ci`; after that the test needs no network. Skipped when npm is absent."""

import json
import shutil
import subprocess
from pathlib import Path

import httpx
import pytest

from app.config import Settings
from app.main import create_app
from tests.servers import serve

PROJECT = Path(__file__).parent / "ts"
BIN = PROJECT / "node_modules" / ".bin"

pytestmark = pytest.mark.skipif(
    shutil.which("npm") is None or shutil.which("node") is None,
    reason="TypeScript client test skipped: needs node and npm",
)


def run(*command: str) -> str:
    result = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def typed_page() -> Path:
    """The spec dumped from create_app() (no server), its types generated, the page checked."""
    if not (BIN / "tsc").exists():
        run("npm", "ci", "--no-audit", "--no-fund", "--prefer-offline")
    build = PROJECT / "build"
    build.mkdir(exist_ok=True)
    app = create_app(Settings(database_url="sqlite://"))
    (build / "openapi.json").write_text(json.dumps(app.openapi()))
    run(str(BIN / "openapi-typescript"), "build/openapi.json", "-o", "build/schema.d.ts")
    return build


def test_the_page_passes_tsc_strict(typed_page: Path) -> None:
    run(str(BIN / "tsc"), "--strict", "-p", ".")


def test_the_compiled_page_lists_agreements(typed_page: Path, seeded_url: str) -> None:
    run(str(BIN / "tsc"), "-p", ".", "--noEmit", "false", "--outDir", "build/js")
    with serve(seeded_url) as base_url:
        answer = json.loads(run("node", "run.mjs", base_url))
        query = {"country": "AZ", "sector": "energy"}
        expected = httpx.get(f"{base_url}/api/v1/agreements", params=query).json()["items"]
    assert answer["listed"] == [expected[0]["id"], *(item["kind"] for item in expected)]
    assert answer["detail"].startswith(expected[0]["id"] + " ")

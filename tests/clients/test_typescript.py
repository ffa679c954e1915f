"""TypeScript clients generated at their defaults from the live spec: openapi-typescript's
types with the default openapi-fetch client, and @hey-api/openapi-ts's SDK. A page written
with each (tests/clients/ts) passes `tsc --strict` under NodeNext resolution, refuses a
misspelled PATCH field (a `@ts-expect-error` that tsc reports if nothing is wrong there) and,
compiled, lists, reads, downloads a CSV and PATCHes an agreement on the live server. The
README's snippet is one of the pages, and compiles under Bundler resolution too.

The npm packages are pinned in tests/clients/ts/package-lock.json and installed with `npm ci`
into tests/clients/ts/node_modules when the lockfile is newer than the installation (once,
then kept); after that the test needs no network. Each run generates and compiles in a
directory of its own, so runs side by side (SQLite and PostgreSQL in CI) do not meet.
Skipped when node or npm is absent."""

import csv
import fcntl
import io
import json
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from tests.clients.conftest import LiveApi

PROJECT = Path(__file__).parent / "ts"
BIN = PROJECT / "node_modules" / ".bin"
README = Path(__file__).parents[2] / "README.md"
MISSPELLED = "// @ts-expect-error `titel` is no field of AgreementPatch"

pytestmark = pytest.mark.skipif(
    shutil.which("npm") is None or shutil.which("node") is None,
    reason="TypeScript client tests skipped: need node and npm",
)


def run(*command: str, cwd: Path = PROJECT) -> str:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def install() -> None:
    """`npm ci` unless node_modules holds what package-lock.json pins (npm writes its own
    copy of the lockfile there, so an older one means a changed lockfile), one run at a time."""
    (PROJECT / "build").mkdir(exist_ok=True)
    with open(PROJECT / "build" / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        installed = PROJECT / "node_modules" / ".package-lock.json"
        wanted = PROJECT / "package-lock.json"
        if not installed.exists() or installed.stat().st_mtime < wanted.stat().st_mtime:
            run("npm", "ci", "--no-audit", "--no-fund", "--prefer-offline")


@pytest.fixture(scope="module")
def generated(live_api: LiveApi) -> Iterator[Path]:
    """A directory with the pages and both generators' output for the live spec (the two
    generators run at once)."""
    install()
    here = Path(tempfile.mkdtemp(prefix="run-", dir=PROJECT / "build"))
    for source in [*PROJECT.glob("*.ts"), *PROJECT.glob("*.mjs"), *PROJECT.glob("tsconfig*")]:
        shutil.copy(source, here)
    spec = f"{live_api.url}/openapi.json"
    commands = [
        (str(BIN / "openapi-typescript"), spec, "-o", "schema.d.ts"),
        (str(BIN / "openapi-ts"), "-i", spec, "-o", "hey-api"),
    ]
    with ThreadPoolExecutor(2) as pool:
        outputs = list(pool.map(lambda command: run(*command, cwd=here), commands))
    for output in outputs:
        assert "warn" not in output.lower(), output
    yield here
    shutil.rmtree(here)


@pytest.fixture(scope="module")
def compiled(generated: Path) -> Path:
    """`tsc --strict` over the pages and the generated code, NodeNext resolution (what Node
    runs), emitting JavaScript into js/."""
    run(str(BIN / "tsc"), "-p", ".", cwd=generated)
    return generated / "js"


def test_the_pages_pass_tsc_strict_and_refuse_a_misspelled_patch_field(
    generated: Path, compiled: Path
) -> None:
    """tsc passes only if each `@ts-expect-error` line is an error: the misspelled field."""
    for page in ("openapi-fetch.ts", "hey-api.ts"):
        text = (generated / page).read_text()
        assert text.count(MISSPELLED) == 1
        assert re.search(re.escape(MISSPELLED) + r".*\n\s*titel: ", text), page
    assert (compiled / "hey-api.js").exists() and (compiled / "openapi-fetch.js").exists()


def test_the_readme_snippet_compiles_with_bundler_and_nodenext_resolution(
    generated: Path, compiled: Path
) -> None:
    snippet = (PROJECT / "readme.ts").read_text()
    assert f"```ts\n{snippet}```" in README.read_text()
    assert 'parseAs: "text"' in snippet
    assert (compiled / "readme.js").exists()  # NodeNext: part of the compilation above
    run(str(BIN / "tsc"), "-p", "tsconfig.bundler.json", cwd=generated)


def test_each_client_lists_reads_downloads_and_patches(compiled: Path, live_api: LiveApi) -> None:
    query = {"country": "AZ", "sector": "energy", "sort": "-date"}
    items = httpx.get(f"{live_api.url}/api/v1/agreements", params=query).json()["items"]
    first = httpx.get(f"{live_api.url}/api/v1/agreements/{items[0]['id']}").json()
    table = httpx.get(f"{live_api.url}/api/v1/agreements.csv", params={"country": "AZ"}).text
    tours = json.loads(
        run("node", "run.mjs", live_api.url, live_api.write_key, cwd=compiled.parent)
    )
    assert (first["id"], first["kind"]) in rows(table)
    title = first["title"]
    for name in ("openapi-fetch", "hey-api"):  # in this order, each PATCH after the other
        tour = tours[name]
        assert tour["listed"] == [first["id"], *(item["kind"] for item in items)], name
        assert tour["detail"] == f"{first['id']} {first['date_precision']}", name
        assert rows(tour["csv"]) == rows(table), name
        title = f"{title} ({name})"
        assert tour["patched"] == title, name
    assert httpx.get(f"{live_api.url}/api/v1/agreements/{first['id']}").json()["title"] == title


def rows(table: str) -> list[tuple[str, str]]:
    """Each CSV row's id and kind (a title may have changed since: the tours PATCH it)."""
    return [(row["id"], row["kind"]) for row in csv.DictReader(io.StringIO(table))]

"""The docs site builds with --strict and loads nothing from another origin, and the
examples of the README and the docs (the five questions in curl and Python, every other curl
command, every request written with its query) answer against a live server of the seeds."""

import contextlib
import importlib.util
import io
import itertools
import json
import os
import re
import shlex
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from app.config import PROJECT_ROOT, Settings
from tests.cli_usage import assert_real_command
from tests.servers import serve

README = PROJECT_ROOT / "README.md"
DEFAULT_BASE = "http://127.0.0.1:8000"

# Attributes by which a page loads something (a script, a style, a font, an image, a frame).
LOADING_ATTRIBUTES = {
    "script": "src",
    "link": "href",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "embed": "src",
    "object": "data",
}
ELSEWHERE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""", re.IGNORECASE)


class LoadsElsewhere(HTMLParser):
    """Collects what a page would fetch from another origin. An element of class `mermaid`
    counts too: Material fetches its renderer from a CDN for those."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        target = values.get(LOADING_ATTRIBUTES.get(tag, ""))
        if tag == "a":  # a link the reader follows is not something the page loads
            target = None
        if target and ELSEWHERE.match(target):
            self.found.append(f"<{tag}> {target}")
        if "mermaid" in (values.get("class") or "").split():
            self.found.append(f"<{tag} class=mermaid> (its renderer comes from a CDN)")
        self.found.extend(css_elsewhere(values.get("style") or ""))

    def handle_data(self, data: str) -> None:  # inline <style>: url() and @import
        if self.lasttag == "style":
            self.found.extend(css_elsewhere(data))


def css_elsewhere(css: str) -> list[str]:
    return [f"css {url}" for url in CSS_URL.findall(css) if ELSEWHERE.match(url)]


def html_elsewhere(html: str) -> list[str]:
    parser = LoadsElsewhere()
    parser.feed(html)
    return parser.found


def test_the_guard_finds_what_it_looks_for() -> None:
    """The checks below would fail on a page that loads anything from elsewhere."""
    page = """<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">
    <script src="//unpkg.com/mermaid.js"></script><pre class="mermaid">graph</pre>
    <style>@import "https://cdn.example/x.css";</style><a href="https://example.org">ok</a>
    <img src="../screenshots/a.png"><link rel="icon" href="assets/favicon.png">"""
    assert html_elsewhere(page) == [
        "<link> https://fonts.googleapis.com/css?family=Roboto",
        "<script> //unpkg.com/mermaid.js",
        "<pre class=mermaid> (its renderer comes from a CDN)",
        "css https://cdn.example/x.css",
    ]
    svg = "url(\"data:image/svg+xml;charset=utf-8,<svg xmlns='http://www.w3.org/2000/svg'>\")"
    assert css_elsewhere(svg) == []
    assert css_elsewhere("src: url(https://fonts.gstatic.com/a.woff2)") == [
        "css https://fonts.gstatic.com/a.woff2"
    ]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if importlib.util.find_spec("mkdocs") is None:
        pytest.skip("mkdocs is not installed: `pip install -e '.[docs]'` to build the docs site")
    target = tmp_path_factory.mktemp("site")
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(target)],
        cwd=PROJECT_ROOT,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "WARNING" not in result.stderr, result.stderr
    return target


def test_the_site_loads_nothing_from_another_origin(site: Path) -> None:
    found = {
        str(path.relative_to(site)): elsewhere
        for path in [*site.rglob("*.html"), *site.rglob("*.css")]
        if (
            elsewhere := html_elsewhere(path.read_text())
            if path.suffix == ".html"
            else css_elsewhere(path.read_text())
        )
    }
    assert found == {}


def test_the_settings_table_lists_every_setting(site: Path) -> None:
    page = (site / "operating" / "configuration" / "index.html").read_text()
    missing = [name for name in Settings.model_fields if f"<code>{name.upper()}</code>" not in page]
    assert missing == []
    assert "the curated seed files" in page  # a description, from app/config.py


def test_the_five_questions_are_included_from_the_readme(site: Path) -> None:
    page = (site / "using" / "index.html").read_text()
    assert "api/v1/agreements?country=VN&amp;country=aze" in page
    assert "mou-energy-vn-az-2025" in page


def readme_blocks(language: str) -> list[str]:
    """The README's code blocks in `language` between the five questions' markers."""
    text = README.read_text()
    section = text.split("[start:five-questions]")[1].split("[end:five-questions]")[0]
    return code_blocks(section, language)


def code_blocks(markdown: str, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", markdown, re.DOTALL)


def documents() -> list[Path]:
    return [README, *sorted((PROJECT_ROOT / "docs").rglob("*.md"))]


def shell_commands(program: str) -> list[list[str]]:
    """Every `program` command of a shell block in the README and the docs, in order."""
    return [
        shlex.split(line, comments=True)
        for path in documents()
        for block in code_blocks(path.read_text(), "sh")
        for line in block.splitlines()
        if line.startswith(f"{program} ")
    ]


def example_queries() -> set[str]:
    """Every request with a query string written as code in the README and the docs
    (`/api/v1/agreements?as_of=2026-01-01`): each is an example to try."""
    return {
        url
        for path in documents()
        for url in re.findall(r"`(/api/v1/[^`\s]*\?[^`\s]*)`", path.read_text())
        if not re.search(r"[{<…]", url)
    }


def test_the_examples_answer(seeded_url: str) -> None:
    curls = shell_commands("curl")
    (python,) = readme_blocks("python")
    assert ["curl", "-s", f"{DEFAULT_BASE}/relations/VN/AZ"] in curls
    assert f"{DEFAULT_BASE}/api/v1/statements?country=AZ&sector=logistics" in [c[-1] for c in curls]
    queries = example_queries()
    assert "/api/v1/agreements?as_of=2026-01-01" in queries
    with serve(seeded_url) as base:
        for command in curls:
            url = command[-1].replace(DEFAULT_BASE, base)
            result = subprocess.run(
                [*command[:-1], "--fail-with-body", "--max-time", "30", url],
                capture_output=True,
                text=True,
                timeout=60,
            )
            assert result.returncode == 0, (url, result.stdout, result.stderr)
            assert result.stdout.startswith("{" if "/api/" in url else "<!doctype html>"), url
        failed = {
            url: status
            for url in sorted(queries)
            if (status := httpx.get(base + url, timeout=30).status_code) != 200
        }
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(python.replace(DEFAULT_BASE, base), {})
    assert failed == {}
    assert "Memorandum of understanding on cooperation in the energy sector" in printed.getvalue()
    assert "vns-baku-signing-ceremony-2025 » signed a memorandum of understanding" in (
        printed.getvalue()
    )


def test_the_reference_is_the_apps_own_spec(site: Path, client: TestClient) -> None:
    folder = site / "using" / "reference"
    assert json.loads((folder / "openapi.json").read_text()) == client.get("/openapi.json").json()
    redoc = (folder / "redoc.html").read_text()
    assert '<redoc spec-url="openapi.json">' in redoc
    assert '<script src="redoc.standalone.js">' in redoc
    assert b"cdn.redoc.ly" not in (folder / "redoc.standalone.js").read_bytes()


TREATY_API = str(Path(sys.executable).parent / "treaty-api")
SYNOPSIS = PROJECT_ROOT / "docs" / "operating" / "configuration.md"


def synopsis_forms() -> list[tuple[list[str], list[str]]]:
    """The command line's synopsis, each form as (its subcommand, the flags it names)."""
    (block,) = code_blocks(SYNOPSIS.read_text(), "text")
    forms = []
    for line in block.splitlines():
        usage = line.partition("#")[0].removeprefix("treaty-api ")
        for form in usage.split(" | "):
            words = form.split()
            command = list(itertools.takewhile(lambda w: w.isalpha() and w.islower(), words))
            forms.append((command, re.findall(r"--[a-z-]+", form)))
    return forms


def run_cli(args: list[str], database_url: str, cwd: Path) -> str:
    result = subprocess.run(
        [TREATY_API, *args],
        env={**os.environ, "DATABASE_URL": database_url},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


def test_the_synopsis_names_real_commands_and_flags() -> None:
    forms = synopsis_forms()
    assert (["db", "downgrade"], []) in forms and (["keys", "revoke"], []) in forms
    for command, flags in forms:
        assert_real_command(command, flags)


def test_the_command_examples_run(seeded_url: str, scratch_url: str, tmp_path: Path) -> None:
    """Each `treaty-api` example, in the docs' order, on a copy of the seeded database; an
    `import` into an empty migrated one, as the docs say it must be."""
    commands = shell_commands("treaty-api")
    assert ["treaty-api", "keys", "revoke", "alice"] in commands
    assert ["treaty-api", "import", "dump.ndjson.gz"] in commands
    run_cli(["db", "upgrade"], scratch_url, tmp_path)
    for command in commands:
        target = scratch_url if command[1] == "import" else seeded_url
        run_cli(command[1:], target, tmp_path)
    assert "alice" in run_cli(["keys", "list"], seeded_url, tmp_path)

"""The command line as a new user meets it: -h, --version, readable help, --database-url,
and `serve` where a platform sets PORT and WEB_CONCURRENCY."""

from functools import lru_cache
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from app import __version__
from app.cli import cli
from app.config import Settings
from tests.servers import exchange, serve_workers

runner = CliRunner()


def _fresh_settings():  # type: ignore[no-untyped-def]
    """A settings cache of the test's own, so the process-wide one is left alone."""
    return lru_cache(Settings)


@pytest.mark.parametrize("args", [["-h"], ["serve", "-h"], ["keys", "-h"], ["db", "upgrade", "-h"]])
def test_help_is_readable(args: list[str]) -> None:
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    assert "<" not in result.output  # no `<str>`, `<int>` placeholders


def test_version() -> None:
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"treaty-api {__version__}\n"


def test_the_spec_carries_the_package_version(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/openapi.json").json()["info"]["version"] == __version__


def test_serve_listens_where_the_environment_says(seeded_url: str) -> None:
    with serve_workers(seeded_url, workers=1, flags=False) as base:
        assert httpx.get(f"{base}/health").status_code == 200
        # and takes a URL pasted into curl, its UTF-8 raw, as its percent-encoded form
        head, _ = exchange(base, "GET /api/v1/countries?q=Azərbaycan HTTP/1.1\r\n\r\n".encode())
        assert head.startswith(b"HTTP/1.1 200"), head


def test_a_flag_wins_over_the_environment(seeded_url: str) -> None:
    with serve_workers(seeded_url, workers=1, PORT="1") as base:
        assert httpx.get(f"{base}/health").status_code == 200


def test_database_url_option_and_keys_list_header(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `--database-url` sets DATABASE_URL for the process: restored (and the settings cache
    # cleared) after the test.
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setattr("app.cli.get_settings", _fresh_settings())
    url = f"sqlite:///{tmp_path}/cli.sqlite"
    assert runner.invoke(cli, ["--database-url", url, "db", "upgrade"]).exit_code == 0
    created = runner.invoke(cli, ["--database-url", url, "keys", "create", "--name", "ada"])
    assert created.exit_code == 0, created.output
    listed = runner.invoke(cli, ["--database-url", url, "keys", "list"])
    assert listed.output.splitlines()[0].split("\t") == [
        "name",
        "scope",
        "prefix",
        "created",
        "status",
    ]
    assert listed.output.splitlines()[1].startswith("ada\twrite\t")
    assert (tmp_path / "cli.sqlite").exists()

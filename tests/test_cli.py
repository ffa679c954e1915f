"""The command line as a new user meets it: -h, --version, readable help, --database-url."""

from pathlib import Path

import pytest
from typer.testing import CliRunner

from app.cli import cli

runner = CliRunner()


@pytest.mark.parametrize("args", [["-h"], ["serve", "-h"], ["keys", "-h"], ["db", "upgrade", "-h"]])
def test_help_is_readable(args: list[str]) -> None:
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "Usage" in result.output
    assert "<" not in result.output  # no `<str>`, `<int>` placeholders


def test_version() -> None:
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.startswith("treaty-api ")


def test_database_url_option_and_keys_list_header(tmp_path: Path) -> None:
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

"""Checks that a command line written outside the code (the docs' synopsis, the containers'
commands) names a real `treaty-api` command and flags it takes."""

from typer.testing import CliRunner

from app.cli import cli


def assert_real_command(command: list[str], flags: list[str]) -> None:
    """`treaty-api <command> --help` answers, and its usage names every flag in `flags`."""
    usage = CliRunner().invoke(cli, [*command, "--help"], terminal_width=200)
    assert usage.exit_code == 0, (command, usage.output)
    assert all(flag in usage.output for flag in flags), (command, flags)

"""treaty-api: an open, sourced API for treaties and agreements between states."""

from importlib.metadata import version

__version__ = version("treaty-api")
"""The one version number: the installed package's (pyproject.toml), in the spec and `--version`."""

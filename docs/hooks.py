"""Build-time hooks of the docs site (mkdocs.yml `hooks:`).

The configuration page's table of settings is rendered here from `app.config.Settings`, so
a setting added, renamed or given another default there changes the docs with it.
"""

from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo

from app.config import PROJECT_ROOT, Settings

SETTINGS_TABLE = "<!-- settings-table -->"


def default_text(value: Any) -> str:
    """A default as an operator would write it in the environment."""
    if value is None:
        return "unset"
    if value == "":
        return "empty"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, Path) and value.is_relative_to(PROJECT_ROOT):
        value = f"./{value.relative_to(PROJECT_ROOT)}"
    return f"`{value}`"


def settings_row(name: str, field: FieldInfo) -> str:
    description = (field.description or "").replace("|", "\\|")
    return f"| `{name.upper()}` | {default_text(field.default)} | {description} |"


def settings_table() -> str:
    rows = [settings_row(name, field) for name, field in Settings.model_fields.items()]
    return "\n".join(["| variable | default | what |", "| --- | --- | --- |", *rows])


def on_page_markdown(markdown: str, **_: Any) -> str:
    return markdown.replace(SETTINGS_TABLE, settings_table())

"""Build-time hooks of the docs site (mkdocs.yml `hooks:`).

The configuration page's table of settings is rendered here from `app.config.Settings`, so
a setting added, renamed or given another default there changes the docs with it; and the
OpenAPI reference is the app's own spec, written beside a ReDoc page whose assets are the
ones the app serves (from `fastapi-offline`), so the reference needs no CDN either.
"""

import json
from pathlib import Path
from typing import Any

from fastapi.openapi.docs import get_redoc_html
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from pydantic.fields import FieldInfo

from app.api.docs_ui import ASSETS, redoc_bundle
from app.config import PROJECT_ROOT, Settings
from app.main import create_app

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


REFERENCE = "using/reference"


def app_spec() -> dict[str, Any]:
    """The spec the app serves at /openapi.json (its engines are made, never connected)."""
    app = create_app(Settings(database_url="sqlite://", counting_index=False))
    try:
        return app.openapi()
    finally:
        app.state.engine.dispose()
        app.state.health_engine.dispose()


def on_files(files: Files, config: MkDocsConfig) -> Files:
    """The reference's files, made at build time: the spec, ReDoc's page and its assets."""
    redoc = get_redoc_html(
        openapi_url="openapi.json",
        title="treaty-api — ReDoc",
        redoc_js_url="redoc.standalone.js",
        redoc_favicon_url="favicon.png",
        with_google_fonts=False,
    )
    generated = {
        "openapi.json": json.dumps(app_spec(), ensure_ascii=False, indent=1),
        "redoc.html": bytes(redoc.body).decode(),
        "redoc.standalone.js": redoc_bundle("favicon.png"),
        "favicon.png": (ASSETS / "favicon.png").read_bytes(),
    }
    for name, content in generated.items():
        files.append(File.generated(config, f"{REFERENCE}/{name}", content=content))
    return files

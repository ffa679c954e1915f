"""openapi-python-client (the dev extra) generates a client from the spec with short function
names, one enum per vocabulary and typed records; this test generates it and uses it."""

import importlib
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from fastapi.testclient import TestClient

from app.config import Settings
from app.main import create_app

CONFIG = """\
project_name_override: treaty-api-client
package_name_override: treaty_api_client
post_hooks: []
content_type_overrides:
  application/x-ndjson: text/plain
"""


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The client package generated from the spec dumped by create_app() (no server)."""
    root = tmp_path_factory.mktemp("python-client")
    spec = root / "openapi.json"
    spec.write_text(json.dumps(create_app(Settings(database_url="sqlite://")).openapi()))
    (root / "config.yaml").write_text(CONFIG)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(spec),
            "--config",
            "config.yaml",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Warning" not in result.stdout, result.stdout
    project = root / "treaty-api-client"
    sys.path.insert(0, str(project))
    yield project / "treaty_api_client"
    sys.path.remove(str(project))
    for name in [m for m in sys.modules if m.startswith("treaty_api_client")]:
        del sys.modules[name]


def module(name: str) -> ModuleType:
    return importlib.import_module(f"treaty_api_client.{name}")


def test_functions_have_short_names(generated: Path) -> None:
    functions = {p.stem for p in (generated / "api" / "agreements").glob("*.py")}
    assert {
        "list_agreements",
        "get_agreement",
        "create_agreement",
        "update_agreement",
        "delete_agreement",
        "get_agreement_history",
    } <= functions
    assert [p.stem for p in (generated / "api").rglob("*.py") if "_api_v1_" in p.stem] == []


def test_one_enum_per_vocabulary(generated: Path) -> None:
    models = {p.stem for p in (generated / "models").glob("*.py")}
    assert [m for m in models if "precision" in m] == ["date_precision"]
    assert [m for m in models if m.endswith("kind") and "agreement" in m] == ["agreement_kind"]
    sort = module("models.sort").Sort
    assert sort.DATE_DESC.value == "-date"


def test_the_generated_client_lists_and_reads_agreements(
    generated: Path, client: TestClient
) -> None:
    api = module("client").Client(base_url=str(client.base_url)).set_httpx_client(client)
    kind = module("models.agreement_kind").AgreementKind
    page = module("api.agreements.list_agreements").sync(
        client=api, country=["AZ"], sector=["energy"]
    )
    assert page.items and all(isinstance(item.kind, kind) for item in page.items)
    precision = module("models.date_precision").DatePrecision
    detail = module("api.agreements.get_agreement").sync(
        client=api, agreement_id="mou-energy-vn-az-2025"
    )
    assert detail.kind is kind.MOU
    assert detail.date_precision is precision.YEAR
    problem = module("api.agreements.list_agreements").sync(client=api, country=["XX"])
    assert [(e.parameter, e.location.value) for e in problem.errors] == [("country", "query")]

"""openapi-python-client (the dev extra), run at its defaults (no config) on the live spec,
generates without a warning a client with short function names, one enum per vocabulary,
models named as the spec names them and a typed PATCH body; this test generates it and uses
it against the live server: a list, a detail, the CSV and NDJSON downloads, a PATCH."""

import csv
import importlib
import inspect
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest

from tests.clients.conftest import LiveApi

ID = "mou-energy-vn-az-2025"


@pytest.fixture(scope="module")
def generated(live_api: LiveApi, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The client package generated from the live spec. Its default post-hooks run ruff,
    found on PATH as in the project's virtual environment."""
    root = tmp_path_factory.mktemp("python-client")
    venv = str(Path(sys.executable).parent)
    spec = f"{live_api.url}/openapi.json"
    result = subprocess.run(
        [sys.executable, "-m", "openapi_python_client", "generate", "--url", spec],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": f"{venv}{os.pathsep}{os.environ.get('PATH', '')}"},
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "warning" not in output.lower() and "not in path" not in output.lower(), output
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
        "export_agreements_csv",
        "export_agreements_ndjson",
    } <= functions
    assert [p.stem for p in (generated / "api").rglob("*.py") if "_api_v1_" in p.stem] == []


def test_models_are_named_as_the_spec_names_them(generated: Path) -> None:
    """No `page_body_out` (FastAPI's `Page_BodyOut_`), no `..._type_0` (an anonymous object
    named after where it sits), one enum per vocabulary."""
    models = {p.stem for p in (generated / "models").glob("*.py")}
    assert {
        "agreement_page",
        "body_page",
        "change",
        "agreement_create",
        "agreement_patch",
    } <= models
    assert [m for m in models if "type_0" in m or m.startswith("page_")] == []
    assert [m for m in models if "precision" in m] == ["date_precision"]
    assert [m for m in models if m.endswith("kind") and "agreement" in m] == ["agreement_kind"]
    assert module("models.sort").Sort.DATE_DESC.value == "-date"


def test_the_generated_client_lists_reads_and_downloads(generated: Path, live_api: LiveApi) -> None:
    api = module("client").Client(base_url=live_api.url)
    kind = module("models.agreement_kind").AgreementKind
    page = module("api.agreements.list_agreements").sync(
        client=api, country=["AZ"], sector=["energy"]
    )
    assert page.items and all(isinstance(item.kind, kind) for item in page.items)
    precision = module("models.date_precision").DatePrecision
    detail = module("api.agreements.get_agreement").sync(client=api, agreement_id=ID)
    assert detail.kind is kind.MOU
    assert detail.date_precision is precision.YEAR
    problem = module("api.agreements.list_agreements").sync(client=api, country=["XX"])
    assert [(e.parameter, e.location.value) for e in problem.errors] == [("country", "query")]

    table = module("api.agreements.export_agreements_csv").sync(client=api, country=["AZ"])
    assert ID in [row["id"] for row in csv.DictReader(io.StringIO(table))]
    lines = module("api.agreements.export_agreements_ndjson").sync(client=api, country=["AZ"])
    query = {"country": "AZ", "limit": 100}
    listed = httpx.get(f"{live_api.url}/api/v1/agreements", params=query).json()["items"]
    assert [json.loads(line)["id"] for line in lines.splitlines()] == [i["id"] for i in listed]


def test_a_patch_has_a_typed_body(generated: Path, live_api: LiveApi) -> None:
    patch = module("models.agreement_patch").AgreementPatch
    update = module("api.agreements.update_agreement")
    assert inspect.signature(update.sync).parameters["body"].annotation in (patch, "AgreementPatch")
    with pytest.raises(TypeError, match="titel"):
        patch(titel="misspelled")

    api = module("client").AuthenticatedClient(base_url=live_api.url, token=live_api.write_key)
    read = module("api.agreements.get_agreement").sync_detailed(client=api, agreement_id=ID)
    answer = update.sync_detailed(
        client=api,
        agreement_id=ID,
        body=patch(status="signed (python)"),
        if_match=read.headers["etag"],
    )
    assert answer.status_code == 200, answer.content
    assert answer.parsed.status == "signed (python)"
    assert (
        httpx.get(f"{live_api.url}/api/v1/agreements/{ID}").json()["status"] == answer.parsed.status
    )

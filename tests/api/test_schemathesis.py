"""Property-based run of schemathesis over the whole OpenAPI spec, against the real app.

Checks: no server error ever, and every response conforms to the spec (status code,
content type, headers, body schema). Unknown ids in filters are 422s by design, so the
"schema-valid data must be accepted" check does not apply to this API.
"""

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import checks
from sqlalchemy.orm import Session

from app.config import Settings
from app.curation.keys import create_key
from app.main import create_app

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_headers_conformance,
    checks.response_schema_conformance,
]
OPERATIONS = [
    (path, method)
    for path, item in create_app(Settings(database_url="sqlite://")).openapi()["paths"].items()
    for method in item
]


@pytest.mark.parametrize("as_admin", [False, True], ids=["anonymous", "admin-key"])
@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_operation_conforms_to_its_spec(
    client: TestClient, session: Session, path: str, method: str, as_admin: bool
) -> None:
    """Every operation, anonymously and with an admin key (so writes get past the key check
    and their bodies, ids and If-Match headers are fuzzed too)."""
    headers = {}
    if as_admin:
        headers["Authorization"] = f"Bearer {create_key(session, 'fuzzer', 'admin')[1]}"
    operation = schemathesis.openapi.from_asgi("/openapi.json", client.app)[path][method]

    @given(case=operation.as_strategy())
    @settings(
        max_examples=40, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def conforms(case: schemathesis.Case) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    conforms()

"""The spec guides an analyst on its own: every operation, parameter and response is described,
typed and exemplified; the docs pages and the landing page load nothing from the network."""

from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.kinds.declaration import Kind
from app.kinds.registry import KINDS

PROBLEM_REF = "#/components/schemas/Problem"
PROBLEM_JSON = "application/problem+json"
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}

Operation = tuple[str, dict[str, Any]]


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(spec: dict[str, Any]) -> Iterator[Operation]:
    """Every operation as (`GET /path`, operation object)."""
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield f"{method.upper()} {path}", operation


def test_the_spec_has_operations(spec: dict[str, Any]) -> None:
    names = {name for name, _ in operations(spec)}
    assert "GET /api/v1/agreements" in names
    assert len(names) >= 10


def test_every_operation_has_a_summary_a_description_and_tags(spec: dict[str, Any]) -> None:
    offenders = [
        f"{name}: no {field}"
        for name, operation in operations(spec)
        for field in ("summary", "description", "tags")
        if not operation.get(field)
    ]
    assert offenders == [], "\n".join(offenders)


def test_every_tag_used_is_declared_with_a_description(spec: dict[str, Any]) -> None:
    declared = {tag["name"]: tag.get("description") for tag in spec.get("tags", [])}
    used = {tag for _, operation in operations(spec) for tag in operation.get("tags", [])}
    assert sorted(used - declared.keys()) == []
    assert sorted(name for name, text in declared.items() if not text) == []


def _has_example(parameter: dict[str, Any]) -> bool:
    schema = parameter.get("schema", {})
    return any(key in holder for holder in (parameter, schema) for key in ("example", "examples"))


def test_every_parameter_has_a_description_and_an_example(spec: dict[str, Any]) -> None:
    offenders = []
    for name, operation in operations(spec):
        for parameter in operation.get("parameters", []):
            where = f"{name} {parameter['in']} parameter {parameter['name']!r}"
            if not (parameter.get("description") or parameter.get("schema", {}).get("description")):
                offenders.append(f"{where}: no description")
            if not _has_example(parameter):
                offenders.append(f"{where}: no example")
    assert offenders == [], "\n".join(offenders)


def test_every_success_response_declares_a_schema(spec: dict[str, Any]) -> None:
    """Clients generated from the spec (openapi-typescript, openapi-python-client) are fully
    typed only when every media type of every 2xx response carries a schema."""
    offenders = []
    for name, operation in operations(spec):
        successes = {code: r for code, r in operation["responses"].items() if code.startswith("2")}
        if not successes:
            offenders.append(f"{name}: no 2xx response")
        for code, response in successes.items():
            content = response.get("content")
            if not content:
                if code != "204":  # No Content: nothing to describe
                    offenders.append(f"{name} {code}: no content")
                continue
            offenders += [
                f"{name} {code} {media_type}: no schema"
                for media_type, body in content.items()
                if not body.get("schema")
            ]
    assert offenders == [], "\n".join(offenders)


def test_every_error_response_is_a_problem(spec: dict[str, Any]) -> None:
    """4xx and 5xx responses are declared as `application/problem+json` with the Problem
    schema, which is what the error handlers send."""
    offenders = []
    for name, operation in operations(spec):
        for code, response in operation["responses"].items():
            if code[0] not in "45":
                continue
            content = response.get("content", {})
            if PROBLEM_JSON not in content:
                offenders.append(f"{name} {code}: not declared as {PROBLEM_JSON}")
            offenders += [
                f"{name} {code} {media_type}: schema is not the Problem"
                for media_type, body in content.items()
                if body.get("schema", {}).get("$ref") != PROBLEM_REF
            ]
    assert offenders == [], "\n".join(offenders)


def test_the_list_operations_document_validation_errors(spec: dict[str, Any]) -> None:
    listed = [op for name, op in operations(spec) if name.startswith("GET /api/v1/")]
    assert listed
    assert [op["operationId"] for op in listed if "422" not in op["responses"]] == []


class _Urls(HTMLParser):
    """The `src` and `href` attributes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.urls += [value for name, value in attrs if name in {"src", "href"} and value]


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_the_docs_pages_load_only_local_assets(client: TestClient, page: str) -> None:
    response = client.get(page)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "://" not in response.text, "the page names an absolute (network) URL"
    parser = _Urls()
    parser.feed(response.text)
    assert parser.urls, "the page references no assets"
    assert [url for url in parser.urls if not url.startswith("/_assets/")] == []
    for url in parser.urls:
        assert client.get(url).status_code == 200, url


def test_the_swagger_ui_bundle_is_served(client: TestClient) -> None:
    response = client.get("/_assets/swagger-ui-bundle.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert "SwaggerUIBundle" in response.text


def test_the_redoc_bundle_shows_the_apps_own_logo(client: TestClient) -> None:
    response = client.get("/_assets/redoc.standalone.js")
    assert response.status_code == 200
    assert "javascript" in response.headers["content-type"]
    assert "cdn.redoc.ly" not in response.text
    assert 'src:"/_assets/favicon.png"' in response.text


def test_the_favicon_is_served_locally(client: TestClient) -> None:
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"


def test_the_landing_page_is_html_for_browsers(client: TestClient) -> None:
    response = client.get("/", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    for link in ('href="/docs"', 'href="/redoc"', 'href="/openapi.json"', 'href="/api/v1/'):
        assert link in response.text


def test_the_landing_page_is_json_with_links_for_clients(client: TestClient) -> None:
    response = client.get("/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["links"] == {
        "docs": "/docs",
        "redoc": "/redoc",
        "openapi": "/openapi.json",
        "health": "/health",
    }
    assert body["examples"]
    for url in body["examples"].values():
        assert url.startswith("/api/v1/")
        assert client.get(url).status_code == 200, url


def _walk(node: Any, path: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema-like dict in the spec, with where it is."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(value, f"{path}/{i}")


def test_operation_ids_are_short_and_unique(spec: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, operation in operations(spec)]
    assert len(ids) == len(set(ids))
    assert [i for i in ids if len(i) > 32 or not i.replace("_", "").isalpha()] == []
    by_name = {operation["operationId"]: name for name, operation in operations(spec)}
    assert by_name["list_agreements"] == "GET /api/v1/agreements"
    assert by_name["get_agreement"] == "GET /api/v1/agreements/{agreement_id}"
    assert by_name["create_agreement"] == "POST /api/v1/agreements"
    assert by_name["update_agreement"] == "PATCH /api/v1/agreements/{agreement_id}"
    assert by_name["delete_agreement"] == "DELETE /api/v1/agreements/{agreement_id}"
    assert by_name["get_agreement_history"] == "GET /api/v1/agreements/{agreement_id}/history"
    assert by_name["export_agreements_csv"] == "GET /api/v1/agreements.csv"


def test_one_path_parameter_name_per_resource(spec: dict[str, Any]) -> None:
    names: dict[str, set[str]] = {}
    for path in spec["paths"]:
        parts = path.split("/")
        if len(parts) > 4 and parts[4].startswith("{"):
            names.setdefault(parts[3], set()).add(parts[4])
    assert names["agreements"] == {"{agreement_id}"}
    assert [resource for resource, found in names.items() if len(found) != 1] == []


def test_every_success_has_one_type_of_body(spec: dict[str, Any]) -> None:
    """openapi-fetch's default client types `data` from the media types of a 200 together: a
    JSON answer has exactly one; an NDJSON download is also offered as `text/plain` (which
    openapi-python-client reads as text, knowing no NDJSON type), with the same schema."""
    offenders = []
    for name, operation in operations(spec):
        for code, response in operation["responses"].items():
            if not code.startswith("2") or code == "204":
                continue
            content = response.get("content", {})
            schemas = [body["schema"] for body in content.values()]
            if list(content) == ["application/x-ndjson", "text/plain"]:
                ok = schemas[0] == schemas[1]
            else:
                ok = len(content) == 1
            if not ok:
                offenders.append(f"{name} {code}: {sorted(content)}")
    assert offenders == []


def test_each_enum_is_defined_once_and_used_everywhere(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    enums = {name for name, schema in schemas.items() if "enum" in schema}
    assert {"DatePrecision", "AgreementKind", "Sort", "SignatoryKind"} <= enums
    inline = [
        where
        for where, node in _walk(spec)
        if "enum" in node and where.rsplit("/", 1)[-1] not in enums
    ]
    assert inline == []
    agreement = schemas["AgreementOut"]["properties"]
    assert agreement["kind"] == {"$ref": "#/components/schemas/AgreementKind"}
    precision = agreement["date_precision"]["anyOf"][0]
    assert precision == {"$ref": "#/components/schemas/DatePrecision"}
    kinds = next(
        p for p in spec["paths"]["/api/v1/agreements"]["get"]["parameters"] if p["name"] == "kind"
    )
    assert kinds["schema"]["items"] == {"$ref": "#/components/schemas/AgreementKind"}
    assert "DATE_DESC" in schemas["Sort"]["x-enum-varnames"]


def test_headers_the_api_reads_and_sends_are_declared(spec: dict[str, Any]) -> None:
    paths = spec["paths"]
    for method in ("patch", "delete"):
        (if_match,) = [
            p
            for p in paths["/api/v1/agreements/{agreement_id}"][method]["parameters"]
            if p["in"] == "header"
        ]
        assert (if_match["name"], if_match["required"]) == ("If-Match", True)
    listed = paths["/api/v1/agreements"]["get"]["responses"]
    assert {"ETag", "Link", "Cache-Control", "Vary"} <= listed["200"]["headers"].keys()
    assert "Retry-After" in listed["429"]["headers"]
    assert (
        "ETag" in paths["/api/v1/agreements/{agreement_id}"]["get"]["responses"]["200"]["headers"]
    )
    assert "Location" in paths["/api/v1/agreements"]["post"]["responses"]["201"]["headers"]
    export = paths["/api/v1/agreements.csv"]["get"]["responses"]["200"]
    assert export["headers"]["Cache-Control"]["example"] == "no-store"


def test_problem_errors_are_typed(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    errors = schemas["Problem"]["properties"]["errors"]["anyOf"][0]
    assert errors["items"] == {"$ref": "#/components/schemas/ProblemItem"}
    assert set(schemas["ProblemItem"]["required"]) == {"parameter", "location", "message"}


def test_parameters_are_plain_and_fill_try_it_out(spec: dict[str, Any]) -> None:
    """`string`, not `string | null`; no `default: []` (ReDoc shows `Default: ""`); a
    parameter-level example on path and required parameters and the featured filters."""
    offenders = []
    for name, operation in operations(spec):
        for parameter in operation.get("parameters", []):
            schema = parameter["schema"]
            where = f"{name} {parameter['name']}"
            if "anyOf" in schema:
                offenders.append(f"{where}: anyOf")
            if schema.get("default") == []:
                offenders.append(f"{where}: default []")
            if (parameter["in"] == "path" or parameter["required"]) and "example" not in parameter:
                offenders.append(f"{where}: no parameter-level example")
    assert offenders == []
    featured = {
        p["name"]: p.get("example")
        for p in spec["paths"]["/api/v1/agreements"]["get"]["parameters"]
    }
    assert (featured["country"], featured["sector"], featured["cursor"]) == (
        ["AZ"],
        ["energy"],
        None,
    )


def test_summaries_use_the_right_article(spec: dict[str, Any]) -> None:
    summaries = [operation["summary"] for _, operation in operations(spec)]
    assert "Create an agreement" in summaries and "An agreement's history" in summaries
    assert [
        s for s in summaries if " a agreement" in s.lower() or s.startswith("A agreement")
    ] == []


def test_swagger_ui_orders_list_detail_history_writes(client: TestClient) -> None:
    page = client.get("/docs").text
    assert "operationsSorter: function" in page
    assert page.index('"/history"') < page.index('"post", "patch", "delete"')


@pytest.mark.parametrize(
    "name", ["agreements", "visits", "countries", "signatories", "sectors", "sources"]
)
def test_each_list_accepts_its_example_cursor(
    client: TestClient, spec: dict[str, Any], name: str
) -> None:
    (cursor,) = [
        p for p in spec["paths"][f"/api/v1/{name}"]["get"]["parameters"] if p["name"] == "cursor"
    ]
    response = client.get(f"/api/v1/{name}", params={"cursor": cursor["schema"]["examples"][0]})
    assert response.status_code == 200, response.text


def test_the_spec_lists_the_external_ids_a_record_may_carry(spec: dict[str, Any]) -> None:
    external_ids = spec["components"]["schemas"]["SignatoryCreate"]["properties"]["external_ids"]
    assert external_ids["propertyNames"] == {"const": "wikidata"}


def test_integer_bounds_are_written_as_json_schema_bounds(spec: dict[str, Any]) -> None:
    """`minimum`/`maximum`, which clients and fuzzers read, never pydantic's `ge`/`le` (what
    it writes for bounds that follow a before-validator)."""
    found: list[str] = []

    def visit(node: Any, path: str) -> None:
        if isinstance(node, dict):
            if node.get("type") == "integer" and {"ge", "le", "gt", "lt"} & node.keys():
                found.append(path)
            for key, value in node.items():
                visit(value, f"{path}/{key}")
        elif isinstance(node, list):
            for i, value in enumerate(node):
                visit(value, f"{path}/{i}")

    visit(spec, "")
    history = spec["paths"]["/api/v1/sectors/{sector_id}/history"]["get"]["parameters"]
    (cursor,) = [p for p in history if p["name"] == "cursor"]
    assert found == []
    schema = cursor["schema"]
    assert (schema["type"], schema["minimum"], schema["maximum"]) == ("integer", 0, 2**31 - 1)


def test_schema_names_read_as_words(spec: dict[str, Any]) -> None:
    """Generated clients name their types after the components: `BodyPage`, not FastAPI's
    `Page_BodyOut_`; and a named schema where one would otherwise be made up from its place
    (`ChangeOutAfterType0`, `AgreementPageFacetsType0`)."""
    schemas = spec["components"]["schemas"]
    assert [name for name in schemas if not name.isalnum()] == []
    assert {"AgreementPage", "BodyPage", "ChangePage", "VisitPage", "Change"} <= set(schemas)
    page = schemas["BodyPage"]["properties"]["items"]["items"]
    assert page == {"$ref": "#/components/schemas/BodyOut"}
    after = schemas["Change"]["properties"]["after"]["anyOf"]
    assert after == [{"$ref": "#/components/schemas/RecordSnapshot"}, {"type": "null"}]
    facets = schemas["AgreementPage"]["properties"]["facets"]["anyOf"]
    assert facets == [{"$ref": "#/components/schemas/FacetCounts"}, {"type": "null"}]


@pytest.mark.parametrize("kind", KINDS.writable, ids=lambda kind: kind.name)
def test_write_bodies_are_named_and_derived_from_the_kind(spec: dict[str, Any], kind: Kind) -> None:
    """POST takes `<Kind>Create` (the kind's shape); PATCH takes `<Kind>Patch`, a merge patch
    of it: every field but `id` optional, nothing else allowed, nullable exactly where the
    field has a default (`null` removes it, and the default applies)."""
    schemas = spec["components"]["schemas"]
    name = kind.name.capitalize()
    collection = f"/api/v1/{kind.plural}"
    post = spec["paths"][collection]["post"]["requestBody"]["content"]
    patch = spec["paths"][f"{collection}/{{{kind.name}_id}}"]["patch"]["requestBody"]["content"]
    assert post == {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}Create"}}}
    assert patch == {
        "application/merge-patch+json": {"schema": {"$ref": f"#/components/schemas/{name}Patch"}}
    }
    create, merge = schemas[f"{name}Create"], schemas[f"{name}Patch"]
    fields = kind.shape.model_fields
    assert set(create["properties"]) == set(fields)
    assert set(create["required"]) == {f for f, info in fields.items() if info.is_required()}
    assert set(merge["properties"]) == set(fields) - {"id"}
    assert "required" not in merge and merge["additionalProperties"] is False
    assert "JSON Merge Patch (RFC 7396)" in merge["description"]
    for field, schema in merge["properties"].items():
        nullable = {"type": "null"} in schema.get("anyOf", [])
        assert nullable is not fields[field].is_required(), field
        assert "default" not in schema, field


def test_a_patch_of_a_map_removes_an_entry_with_null(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    provenance = schemas["VisitPatch"]["properties"]["provenance"]["anyOf"][0]
    assert provenance == {"$ref": "#/components/schemas/ProvenancePatch"}
    entries = schemas["ProvenancePatch"]["additionalProperties"]
    assert entries == {"anyOf": [{"$ref": "#/components/schemas/Provenance"}, {"type": "null"}]}
    title = schemas["VisitPatch"]["properties"]["title"]
    assert "anyOf" not in title and title["type"] == "string"


def test_download_summaries_read_as_english(spec: dict[str, Any]) -> None:
    summaries = {
        operation["operationId"]: operation["summary"] for _, operation in operations(spec)
    }
    assert summaries["export_agreements_csv"] == "Download all matching agreements as CSV"
    assert summaries["export_visits_ndjson"] == "Download all matching official visits as NDJSON"
    assert [s for s in summaries.values() if "every matching" in s.lower()] == []

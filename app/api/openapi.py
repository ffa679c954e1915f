"""Finishing touches on the generated spec, so that it says exactly what the server does and
generated clients and Swagger UI read it well. Each step is a plain function over the dict."""

from collections.abc import Iterator
from copy import deepcopy
from typing import Any

from pydantic import BaseModel

from app.api.provenance import record_schemas, spec_fields
from app.api.query_models import query_parameters
from app.api.write_schemas import add_patch_schemas, write_bodies
from app.kinds.declaration import Kind
from app.schemas import enums
from app.schemas.changes import WRITABLE_TYPE

PREFILL = "x-prefill"
"""Set by `app.schemas.common.TRY_IT`: the parameter's example fills "Try it out"."""
HTTP_METHODS = ("get", "head", "post", "put", "patch", "delete", "options", "trace")
SECURITY_SCHEMES = {
    "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key from `treaty-api keys create`.",
    },
    "apiKey": {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
        "description": "The same key, in the X-API-Key header.",
    },
}


def _header(description: str, example: str, required: bool = False) -> dict[str, Any]:
    return {
        "description": description,
        "required": required,
        "schema": {"type": "string"},
        "example": example,
    }


ETAG = _header(
    "Strong validator of this representation: send it as `If-None-Match` for a 304, or as "
    "`If-Match` to write the record.",
    '"0c5f8a1e9b7d4c3a2f1e0d9c8b7a6f5e"',
)
CACHE_CONTROL = _header("How long the answer may be reused.", "public, max-age=60")
NO_STORE = _header("Downloads are not cached.", "no-store")
LINK = _header(
    "The next page, while more remain (RFC 8288): a path, or an absolute URL as `Location`.",
    '</api/v1/agreements?cursor=WyItZGF0ZSIsIjIwMjUiLCJtb3UtYSJd>; rel="next"',
)
RETRY_AFTER = _header("Seconds to wait before retrying.", "30")
LOCATION = _header(
    "The created record: its path, or its absolute URL under `PUBLIC_BASE_URL` (or the host a "
    "trusted proxy forwarded).",
    "/api/v1/agreements/mou-energy-vn-az-2025",
)
VARY = _header("The representation depends on `Accept`.", "Accept")
REQUEST_ID = _header(
    "This request's id (the client's `X-Request-ID` when it sent a sane one), also in the "
    "access log and in every problem body.",
    "5f0c2a9d8e7b4c1a9f3e2d1c0b9a8f7e",
)
CHANGE_POSITION = _header(
    "With read replicas (`READ_DATABASE_URL`): the database position of this write. Send it "
    "back as `X-Read-After` (or keep the `treaty_change_position` cookie) and reads are "
    "served where the write is visible.",
    "0/3000148",
)


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def add_body_schemas(spec: dict[str, Any], models: dict[str, type[BaseModel]]) -> None:
    """Request-body models that routes read by hand (after checking the API key), by the
    name of their component."""
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})
    for name, model in models.items():
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        schemas.update(schema.pop("$defs", {}))
        schemas[name] = {**schema, "title": name}


def named_by_title(spec: dict[str, Any]) -> None:
    """A component whose model names itself (`Page[BodyOut]` is titled `BodyPage`, see
    `app.schemas.common.Page`) is published under that name, not FastAPI's `Page_BodyOut_`,
    which generated clients would turn into `PageBodyOut`."""
    schemas = spec["components"]["schemas"]
    renamed = {
        key: schema["title"]
        for key, schema in schemas.items()
        if schema.get("title", key) != key and schema["title"].isidentifier()
    }
    taken = set(schemas).intersection(renamed.values())
    if taken or len(set(renamed.values())) < len(renamed):
        raise RuntimeError(f"two schemas would be named {sorted(taken) or renamed}")
    spec["components"]["schemas"] = {renamed.get(k, k): v for k, v in schemas.items()}
    refs = {
        f"#/components/schemas/{old}": f"#/components/schemas/{new}" for old, new in renamed.items()
    }

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("$ref") in refs:
                node["$ref"] = refs[node["$ref"]]
            for child in node.values():
                visit(child)
        elif isinstance(node, list):
            for child in node:
                visit(child)

    visit(spec)


def provenance_fields(spec: dict[str, Any]) -> None:
    """Each record's schema lists the JSON keys of the facts it shows as
    `x-provenance-fields`: what its `provenance` has an entry for wherever it holds a value
    (from the kind's declaration, `app.kinds.facts`)."""
    schemas = spec["components"]["schemas"]
    for name, model in record_schemas().items():
        if name in schemas:
            schemas[name]["x-provenance-fields"] = spec_fields(model)


def add_security(spec: dict[str, Any]) -> None:
    """The API-key schemes on every operation that answers 401, so Swagger UI's
    "Authorize" sends the key."""
    spec["components"]["securitySchemes"] = SECURITY_SCHEMES
    for _, _, operation in operations(spec):
        if "401" in operation.get("responses", {}):
            operation["security"] = [{name: []} for name in SECURITY_SCHEMES]


def declare_headers(spec: dict[str, Any]) -> None:
    """Every header the API reads or sends: `If-Match` is required on writes to a record
    (its absence is a 428); `X-Request-ID` on every response; `ETag`, `Cache-Control`,
    `Vary`, `Link`, `Location`, `Retry-After` and `X-Change-Position` on the responses that
    carry them."""
    for _, method, operation in operations(spec):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "header" and parameter["name"].lower() == "if-match":
                parameter["required"] = True
        for status, response in operation["responses"].items():
            headers = response.setdefault("headers", {})
            media_types = response.get("content", {})
            if status == "429":
                headers["Retry-After"] = RETRY_AFTER
            headers["X-Request-ID"] = REQUEST_ID
            if status == "201":
                headers["Location"] = LOCATION
            if method in ("post", "patch", "delete") and status in ("200", "201", "204"):
                headers["X-Change-Position"] = CHANGE_POSITION
            if status in ("200", "201") and "application/json" in media_types:
                headers["ETag"] = ETAG
                if method == "get":
                    headers["Cache-Control"] = CACHE_CONTROL
                    headers["Vary"] = VARY
                    if _is_page(spec, media_types["application/json"].get("schema", {})):
                        headers["Link"] = LINK
            elif status == "200" and method == "get" and media_types:
                headers["Cache-Control"] = NO_STORE
                headers["Vary"] = VARY


def _is_page(spec: dict[str, Any], schema: dict[str, Any]) -> bool:
    ref = schema.get("$ref", "")
    target = spec["components"]["schemas"].get(ref.rsplit("/", 1)[-1], {}) if ref else schema
    return "next_cursor" in target.get("properties", {})


def writable_types(spec: dict[str, Any], names: list[str]) -> None:
    """The `WritableType` enum, of the kinds the API writes, wherever a schema is marked as
    one (the changes feed's `record_type`)."""
    schemas = spec["components"]["schemas"]
    schemas["WritableType"] = {
        "type": "string",
        "enum": names,
        "title": "WritableType",
        "description": "The kinds of record that can be written over HTTP (and so appear in "
        "the changes feed).",
        "x-enum-varnames": [name.upper() for name in names],
    }

    def visit(node: Any) -> Any:
        if isinstance(node, dict):
            if node.get(WRITABLE_TYPE):
                kept = {k: v for k, v in node.items() if k in ("description", "default")}
                return {"$ref": "#/components/schemas/WritableType", **kept}
            return {key: visit(value) for key, value in node.items()}
        if isinstance(node, list):
            return [visit(item) for item in node]
        return node

    for name in list(schemas):
        schemas[name] = visit(schemas[name])
    spec["paths"] = visit(spec["paths"])


def share_enums(spec: dict[str, Any]) -> None:
    """One schema per enumeration: an inline `enum` listing exactly a named enum's values
    (as the seed-record models write them) becomes a `$ref` to it."""
    schemas = spec["components"]["schemas"]
    named = {}
    for enum in _enum_classes():
        schemas.setdefault(enum.__name__, _enum_schema(enum))
        named[tuple(sorted(e.value for e in enum))] = f"#/components/schemas/{enum.__name__}"

    def visit(node: Any, owner: str | None) -> Any:
        if isinstance(node, dict):
            values = node.get("enum")
            if isinstance(values, list) and node.get("title") != owner:
                ref = named.get(tuple(sorted(map(str, values))))
                if ref and not ref.endswith(f"/{owner}"):
                    kept = {k: v for k, v in node.items() if k in ("description", "default")}
                    return {"$ref": ref, **kept}
            return {key: visit(value, owner) for key, value in node.items()}
        if isinstance(node, list):
            return [visit(item, owner) for item in node]
        return node

    for name in list(schemas):
        schemas[name] = visit(schemas[name], name)
    spec["paths"] = visit(spec["paths"], None)


def _enum_classes() -> list[type[enums.ApiEnum]]:
    return [
        value
        for value in vars(enums).values()
        if isinstance(value, type)
        and issubclass(value, enums.ApiEnum)
        and value is not enums.ApiEnum
    ]


def _enum_schema(enum: type[enums.ApiEnum]) -> dict[str, Any]:
    class Holder(BaseModel):
        value: enum  # type: ignore[valid-type]

    return Holder.model_json_schema()["$defs"][enum.__name__]


def plain_parameters(spec: dict[str, Any]) -> None:
    """Parameters as Swagger UI and ReDoc show them best: `string`, not `string | null`
    (an absent parameter is the null); no `default: []` (ReDoc prints it as ""); and a
    parameter-level `example`, which is what fills "Try it out", on required parameters and
    those marked with `PREFILL` (filling every optional one would make the first try a
    query that matches nothing)."""
    for _, _, operation in operations(spec):
        operation["parameters"] = [
            p for p in operation.get("parameters", []) if not p["schema"].get("x-undeclared")
        ]
        if not operation["parameters"]:
            del operation["parameters"]
        for parameter in operation.get("parameters", []):
            schema = parameter.get("schema", {})
            options = schema.get("anyOf", [])
            if len(options) == 2 and {"type": "null"} in options:
                (kept,) = (o for o in options if o != {"type": "null"})
                schema = {**{k: v for k, v in schema.items() if k != "anyOf"}, **kept}
                if schema.get("default", 0) is None:
                    del schema["default"]
            if schema.get("type") == "array" and schema.get("default") == []:
                del schema["default"]
            parameter["schema"] = schema
            examples = schema.get("examples")
            prefill = schema.pop(PREFILL, False) or parameter["required"]
            if prefill and "example" not in parameter and examples:
                parameter["example"] = examples[0]


def order_operations(spec: dict[str, Any]) -> None:
    """Within a path, GET first (ReDoc lists methods in this order; Swagger UI sorts with
    app.api.docs_ui's sorter)."""
    for path, item in spec["paths"].items():
        spec["paths"][path] = dict(
            sorted(
                item.items(),
                key=lambda kv: HTTP_METHODS.index(kv[0]) if kv[0] in HTTP_METHODS else -1,
            )
        )


def closed_maps(spec: dict[str, Any]) -> None:
    """A map whose keys have a pattern (`external_ids`, `provenance`) is written by pydantic
    as `patternProperties`, which leaves keys outside the pattern free, with values of any
    type; the API refuses those. Say it the closed way: `propertyNames` carries the key's
    pattern and `additionalProperties` the value's schema."""

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            patterns = node.get("patternProperties")
            if isinstance(patterns, dict) and len(patterns) == 1 and "properties" not in node:
                ((pattern, value),) = patterns.items()
                del node["patternProperties"]
                node["propertyNames"] = {**node.get("propertyNames", {}), "pattern": pattern}
                node["additionalProperties"] = value
            for child in node.values():
                visit(child)
        elif isinstance(node, list):
            for child in node:
                visit(child)

    visit(spec["components"]["schemas"])


def add_query_parameters(spec: dict[str, Any], reads: dict[str, type[BaseModel]]) -> None:
    """The parameters of the query models that routes read themselves (see
    app.api.query_models, `reads` by operation id), after each operation's path parameters,
    where FastAPI places them."""
    parameters, schemas = query_parameters(reads.values())
    components = spec.setdefault("components", {}).setdefault("schemas", {})
    unseen = set(reads)
    for _, _, operation in operations(spec):
        model = reads.get(operation.get("operationId", ""))
        if model is None:
            continue
        unseen.discard(operation["operationId"])
        own = operation.get("parameters", [])
        in_path = [p for p in own if p["in"] == "path"]
        others = [p for p in own if p["in"] != "path"]
        _set_parameters(operation, [*in_path, *deepcopy(parameters[model]), *others])
        for name in _refs(parameters[model]):
            components.setdefault(name, schemas[name])
    if unseen:  # a route without `operation_id`: its parameters would silently go missing
        raise RuntimeError(f"no operation in the spec for {sorted(unseen)}")


def _set_parameters(operation: dict[str, Any], parameters: list[dict[str, Any]]) -> None:
    """`parameters` where FastAPI puts them: before the request body and the responses."""
    if "parameters" not in operation:
        entries = list(operation.items())
        operation.clear()
        for key, value in entries:
            if key in ("requestBody", "responses"):
                operation.setdefault("parameters", parameters)
            operation[key] = value
    operation["parameters"] = parameters


def _refs(node: Any) -> Iterator[str]:
    """The names of the component schemas that `node` refers to."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            yield ref.rsplit("/", 1)[-1]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def finish(
    spec: dict[str, Any],
    body_models: tuple[type[BaseModel], ...],
    query_reads: dict[str, type[BaseModel]],
    writable: list[Kind],
) -> dict[str, Any]:
    named_by_title(spec)
    provenance_fields(spec)
    add_query_parameters(spec, query_reads)
    add_body_schemas(spec, {**write_bodies(writable), **{m.__name__: m for m in body_models}})
    closed_maps(spec)
    add_patch_schemas(spec, writable)
    writable_types(spec, [kind.name for kind in writable])
    add_security(spec)
    declare_headers(spec)
    share_enums(spec)
    plain_parameters(spec)
    order_operations(spec)
    return spec

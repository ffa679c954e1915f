"""The request bodies of the write routes, as the spec names them, derived from each writable
kind's shape (its declaration in app.kinds), so that generated clients type them:

- `<Kind>Create` (`AgreementCreate`), the body of a POST: the shape itself;
- `<Kind>Patch` (`AgreementPatch`), the body of a PATCH: a JSON Merge Patch of the shape
  (RFC 7396), every field but `id` optional and no other allowed. A field that has a default
  may be cleared, so it is nullable (`null` removes it and the default applies); a required
  one is not (`title`, `citations`). A map (`provenance`, `external_ids`) merges entry by
  entry, so its entries are nullable too; its patch is a schema of its own
  (`ProvenancePatch`), shared by every kind.

The server does not read these schemas: it merges the patch into the stored record and checks
the result as strictly as seeding (app.curation.service), so the spec cannot drift from what
it accepts except by being stricter about nested entries, which a merge completes."""

from typing import Any

from pydantic import BaseModel

from app.api.v1.common import with_article
from app.kinds.declaration import Kind

REF = "#/components/schemas/"
KEY = "id"
"""A record's own id: named by the path of a PATCH, never changed by one."""
NULL = {"type": "null"}
MERGE_PATCH_TEXT = (
    "A JSON Merge Patch (RFC 7396) of {one}: send only the fields to change. A field given "
    "replaces the stored value (a list as a whole); `null` removes a field, which then takes "
    "its default (an empty list, no value), and is refused for a field that must have a value. "
    "A map such as `provenance` merges entry by entry: an entry given replaces or extends the "
    "stored one, `null` removes it. The id cannot change, and any other field is refused "
    "(422 naming it). The result is checked as a new {name} would be."
)
MAP_PATCH_TEXT = (
    "A JSON Merge Patch of a record's `{field}` map: each entry given replaces or extends the "
    "stored one, `null` removes it, entries not named stay as they are."
)


def schema_name(kind: Kind, role: str) -> str:
    """`AgreementCreate`, `AgreementPatch`: the component of a kind's write body."""
    return "".join(word.capitalize() for word in kind.name.split("_")) + role


def write_bodies(kinds: list[Kind]) -> dict[str, type[BaseModel]]:
    """The POST body models by component name (`AgreementCreate`: the agreement's shape)."""
    return {schema_name(kind, "Create"): kind.shape for kind in kinds if kind.shape}


def add_patch_schemas(spec: dict[str, Any], kinds: list[Kind]) -> None:
    """`<Kind>Patch` for each writable kind, from its `<Kind>Create` as the spec has it."""
    schemas = spec["components"]["schemas"]
    for kind in kinds:
        create = schemas[schema_name(kind, "Create")]
        required = set(create.get("required", ()))
        properties = {
            name: _patch_field(schemas, name, field, clearable=name not in required)
            for name, field in create["properties"].items()
            if name != KEY
        }
        schemas[schema_name(kind, "Patch")] = {
            "type": "object",
            "title": schema_name(kind, "Patch"),
            "description": MERGE_PATCH_TEXT.format(one=with_article(kind.name), name=kind.name),
            "properties": properties,
            "additionalProperties": False,
        }


def _patch_field(
    schemas: dict[str, Any], name: str, field: dict[str, Any], clearable: bool
) -> dict[str, Any]:
    """A field of a patch: its value as the record has it (a map's as a map patch), without a
    default (an absent field is left as it is), nullable when it may be cleared."""
    kept = {k: v for k, v in field.items() if k in ("description", "examples", "title")}
    value = _without_null({k: v for k, v in field.items() if k not in kept and k != "default"})
    if _is_map(value):
        value = {"$ref": REF + _map_patch(schemas, name, value)}
    if clearable:
        value = {"anyOf": [value, NULL]}
    return {**value, **kept}


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    options = schema.get("anyOf")
    if options and NULL in options:
        rest = [o for o in options if o != NULL]
        others = {k: v for k, v in schema.items() if k != "anyOf"}
        return {**others, **rest[0]} if len(rest) == 1 else {**others, "anyOf": rest}
    return schema


def _is_map(schema: dict[str, Any]) -> bool:
    """An object whose keys are data (its entries' schema is `additionalProperties`)."""
    return (
        schema.get("type") == "object"
        and isinstance(schema.get("additionalProperties"), dict)
        and "properties" not in schema
    )


def _map_patch(schemas: dict[str, Any], field: str, schema: dict[str, Any]) -> str:
    """The component of a patch of the map `field` (`ProvenancePatch`), made once and shared
    by every kind with that map; a kind whose map differs would be a second meaning of one
    name, and is refused."""
    name = "".join(word.capitalize() for word in field.split("_")) + "Patch"
    patch = {
        **schema,
        "title": name,
        "description": MAP_PATCH_TEXT.format(field=field),
        "additionalProperties": {"anyOf": [schema["additionalProperties"], NULL]},
    }
    if schemas.setdefault(name, patch) != patch:
        raise RuntimeError(f"two kinds' `{field}` maps differ: name their patches apart")
    return name

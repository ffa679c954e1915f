"""Query-parameter models (a list's filters), read from the query string in one pass.

FastAPI reads a `Query()` model field by field, working out each field's shape again on every
request: 90 µs of a 2 ms list request with the machine idle, 200 to 300 µs under load. Here the
shape is worked out once per model, and the model validates the query string as FastAPI
would have handed it over (a list field gets every value, another field the last, an unknown
parameter its value or values, for the model to refuse), with the same errors.

The spec stays FastAPI's own: `query_parameters` has FastAPI document each model as a
`Query()` model, and `app.api.openapi` gives those parameters to the operations reading it."""

from collections.abc import Iterable
from typing import Annotated, Any, get_origin

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.datastructures import QueryParams


class QueryModel:
    """The dependency reading one model from the query string (see the module's docstring)."""

    def __init__(self, model: type[BaseModel]) -> None:
        self.model = model
        self.fields = frozenset(model.model_fields)
        self.lists = frozenset(
            name
            for name, field in model.model_fields.items()
            if get_origin(field.annotation) is list
        )

    async def __call__(self, request: Request) -> BaseModel:
        return self.read(request.query_params)

    def read(self, params: QueryParams) -> BaseModel:
        """The model from a query string, or a RequestValidationError naming each problem."""
        data: dict[str, Any] = {}
        for key in params:
            values = params.getlist(key)
            if key in self.lists:
                data[key] = values
            elif key in self.fields:
                data[key] = values[-1]
            else:
                data[key] = values[0] if len(values) == 1 else values
        try:
            return self.model.model_validate(data)
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            raise RequestValidationError(
                [{**error, "loc": ("query", *error["loc"])} for error in errors]
            ) from None


def query_model(model: type[BaseModel]) -> Any:
    """A route parameter's `Annotated[model, query_model(model)]`: the model, read from the
    query string."""
    return Depends(QueryModel(model))


def query_models(routers: Iterable[APIRouter]) -> dict[str, type[BaseModel]]:
    """The model each operation reads from its query, by operation id."""
    found: dict[str, type[BaseModel]] = {}
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                continue
            for dependency in route.dependant.dependencies:
                if isinstance(dependency.call, QueryModel):
                    found[route.operation_id or route.unique_id] = dependency.call.model
    return found


def query_parameters(
    models: Iterable[type[BaseModel]],
) -> tuple[dict[type[BaseModel], list[dict[str, Any]]], dict[str, Any]]:
    """FastAPI's parameters for each model as a `Query()` model, and the schemas they refer
    to, from a spec of one throwaway route per model."""
    documenting = FastAPI()
    paths: dict[type[BaseModel], str] = {}
    for number, model in enumerate(dict.fromkeys(models)):
        paths[model] = f"/{number}"

        async def read(params: Annotated[model, Query()]) -> None:  # type: ignore[valid-type]
            """Never called: its signature is documented."""

        documenting.get(paths[model])(read)
    spec = documenting.openapi()
    parameters = {
        model: spec["paths"][path]["get"].get("parameters", []) for model, path in paths.items()
    }
    schemas = spec.get("components", {}).get("schemas", {})
    return parameters, schemas

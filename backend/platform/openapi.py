"""The OpenAPI document tells the truth about errors: every problem an operation can answer is
listed, as `application/problem+json` with the one Problem schema (RFC 9457).

What every operation of a kind answers is derived from the route itself — 401 when it needs a
signed-in caller, 404 when it has a path parameter, 422 when it takes parameters or a body,
413 with a body, and 500/503 for every operation — and a route adds what only it answers with
`responses=problems(409, ...)`. FastAPI's own 422 schema (HTTPValidationError) is replaced:
TaskFlow never answers it.
"""

from __future__ import annotations

from collections.abc import Iterator
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute, iter_route_contexts

from backend.platform.errors import PROBLEM_JSON

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "An RFC 9457 problem: `detail` is one line a person can act on.",
    "type": "object",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "description": "422: every invalid field, the first one also in `detail`",
            "type": "array",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
_REF = {"$ref": "#/components/schemas/Problem"}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for the problems a route answers beyond those derived from its shape."""
    return {status: {"description": HTTPStatus(status).phrase} for status in statuses}


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _derived(dependant: Dependant) -> set[int]:
    from backend.platform.deps import get_principal

    dependants = list(_dependants(dependant))
    statuses = {500, 503}
    if any(d.call is get_principal for d in dependants):
        statuses.add(401)
    if any(d.path_params for d in dependants):
        statuses.add(404)
    if any(d.path_params or d.query_params or d.header_params for d in dependants):
        statuses.add(422)
    if any(d.body_params for d in dependants):
        statuses.update({400, 413, 422})  # 400: a body that is not JSON at all
    return statuses


def _document(operation: dict[str, Any], statuses: set[int]) -> None:
    responses = operation.setdefault("responses", {})
    for status in statuses:
        responses.setdefault(str(status), {"description": HTTPStatus(status).phrase})
    for code, response in responses.items():
        if code[0] in "45":
            response["content"] = {PROBLEM_JSON: {"schema": _REF}}
    operation["responses"] = dict(sorted(responses.items()))


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            paths = document.get("paths", {})
            # Included routers stay nested in app.routes (FastAPI >= 0.16x): walk their routes
            # as get_openapi does.
            for route in iter_route_contexts(app.routes):
                if not isinstance(route.original_route, APIRoute):
                    continue
                for method in route.methods or ():
                    operation = paths.get(route.path_format, {}).get(method.lower())
                    if operation is not None:
                        _document(operation, _derived(route.dependant))
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            schemas.pop("HTTPValidationError", None)
            schemas.pop("ValidationError", None)
            schemas["Problem"] = PROBLEM_SCHEMA
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

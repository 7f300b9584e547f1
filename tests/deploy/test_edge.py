"""Every edge — the chart's ingress, the plain Kubernetes manifests' ingress and docker
compose's gateway — routes exactly the public paths of backend/platform/edge.py, and nothing
of what the services keep for the cluster (Dapr's routes, /internal, /metrics, health)."""

from __future__ import annotations

import re

import httpx
import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from backend.platform.edge import (
    PUBLIC_EXACT_PATHS,
    PUBLIC_PATH_PREFIXES,
    PublicOnly,
    is_public,
)
from tests.deploy.manifests import of_kind, plain_manifests, production_values, render
from tests.deploy.test_routing import (
    gateway_locations,
    ingress_nginx_match,
    ingress_routes,
    nginx_match,
)

ID = "0b6f1f52-9a3c-4b8e-8a53-2f4f3c1d9e77"
PRIVATE = [
    "/events/audit/task-events",
    "/events/recurring/task-events",
    "/events/notification/reminders",
    "/events/dead-letters/task-events",
    "/dapr/subscribe",
    "/dapr/config",
    "/internal/v1/occurrences",
    "/metrics",
    "/health",
    "/health/live",
    "/health/ready",
    "/mcpx",
    "/docsx",
    "/trashcan",
    "/openapi.jsonx",
    "/apix/v1/tasks",
    "/tasks/today",
    "/redoc",
]
PUBLIC = [
    "/",
    "/trash",
    "/mcp",
    "/mcp/",
    "/docs",
    "/docs/oauth2-redirect",
    "/docs/assets/swagger-ui.css",
    "/openapi.json",
    "/assets/index-3f2a.js",
    "/api/v1/tasks",
    f"/api/v1/tasks/{ID}/reminders/snooze",
    "/api/v1/notifications/stream",
    "/api/v1/audit/verify",
    "/api/v1/chat",
    "/today",
    "/upcoming",
    "/calendar",
    "/calendar/2026-12",
    "/settings",
    "/index.html",
    "/robots.txt",
    "/manifest.webmanifest",
    "/sw.js",
    "/sw-extra.js",
    "/icon-192.png",
]


def test_the_rule_itself():
    assert [p for p in PUBLIC if not is_public(p)] == []
    assert [p for p in PRIVATE if is_public(p)] == []


def expected_ingress_paths() -> set[str]:
    """How each public path is written as an ingress-nginx regex path."""
    paths = {re.escape(path) + "$" for path in PUBLIC_EXACT_PATHS}
    for prefix in PUBLIC_PATH_PREFIXES:
        paths.add(prefix if prefix.endswith("/") else re.escape(prefix) + "(/|$)")
    return paths


def plain_ingress_routes() -> list[tuple[str, str]]:
    (ingress,) = of_kind(plain_manifests(), "Ingress")
    return [
        (p["path"], p["backend"]["service"]["name"].removeprefix("taskflow-"))
        for p in ingress["spec"]["rules"][0]["http"]["paths"]
    ]


INGRESSES = {
    "chart": lambda: ingress_routes(None),
    "chart, production values": lambda: ingress_routes(production_values()),
    "k8s/base": plain_ingress_routes,
}


@pytest.mark.parametrize("ingress", INGRESSES)
def test_the_ingress_routes_exactly_the_public_paths(ingress):
    routes = INGRESSES[ingress]()
    # Its paths: one per public prefix, plus the api's own prefixes split among services.
    extra = {path for path, _ in routes} - expected_ingress_paths()
    assert all(path.startswith("/api/v1/") for path in extra), extra
    assert expected_ingress_paths() <= {path for path, _ in routes}
    for path in PUBLIC:
        assert ingress_nginx_match(routes, path) is not None, path
    for path in PRIVATE:
        assert ingress_nginx_match(routes, path) is None, path


def test_the_compose_gateway_routes_exactly_the_public_paths():
    locations = gateway_locations()
    for path in PUBLIC:
        assert nginx_match(locations, path) is not None, path
    for path in PRIVATE:
        assert nginx_match(locations, path) is None, path
    # Every location that proxies is for a public path; the catch-all refuses.
    for modifier, pattern, upstream in locations:
        if upstream is None:
            assert (modifier, pattern) == ("", "/")
            continue
        literal = re.sub(r"\(/\|\$\)$", "", pattern.removeprefix("^")).replace("\\.", ".")
        literal = re.sub(r"\[\^/\]\+", ID, literal)
        assert is_public(literal), pattern


def test_no_objects_route_around_the_ingress():
    """No Service of the chart is exposed outside the cluster but through the ingress."""
    for service in of_kind(render(), "Service"):
        assert service["spec"].get("type", "ClusterIP") == "ClusterIP", service["metadata"]


async def test_a_public_port_wrapped_in_public_only_answers_404_to_the_rest():
    async def ok(request):
        return PlainTextResponse("inside")

    app = PublicOnly(Starlette(routes=[Route("/{path:path}", ok, methods=["GET", "POST"])]))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://edge") as client:
        for path in PRIVATE:
            answer = await client.post(path, json={})
            assert answer.status_code == 404, path
            assert answer.headers["content-type"] == "application/problem+json"
        for path in PUBLIC:
            assert (await client.get(path)).text == "inside", path

"""Every path of api.md reaches the service that serves it, through the Kubernetes ingress
(matched as ingress-nginx matches with use-regex) and through docker compose's nginx gateway
(matched as nginx matches locations)."""

from __future__ import annotations

import re

import pytest

from tests.deploy.manifests import K8S, of_kind, production_values, render

ID = "0b6f1f52-9a3c-4b8e-8a53-2f4f3c1d9e77"
# A path of each route of api.md (and the api's own extras), and the service that serves it.
EXPECTED = {
    "/api/v1/auth/signup": "api",
    "/api/v1/auth/login": "api",
    "/api/v1/auth/me": "api",
    "/api/v1/tasks": "api",
    f"/api/v1/tasks/{ID}": "api",
    f"/api/v1/tasks/{ID}/complete": "api",
    f"/api/v1/tasks/{ID}/reminders/snooze": "reminder",
    "/api/v1/tags": "api",
    f"/api/v1/tags/{ID}": "api",
    "/api/v1/notifications/ticket": "notification",
    "/api/v1/notifications/stream": "notification",
    "/api/v1/audit": "audit",
    "/api/v1/audit/verify": "audit",
    f"/api/v1/audit/tasks/{ID}": "audit",
    "/api/v1/chat": "api",
    f"/api/v1/chat/conversations/{ID}": "api",
    "/mcp": "api",
    "/openapi.json": "api",
    "/docs": "api",
    "/": "api",
    "/trash": "api",  # a page of the web app
    "/assets/index-3f2a.js": "api",
}


def ingress_routes(values) -> list[tuple[str, str]]:
    (ingress,) = of_kind(render(values), "Ingress")
    assert ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/use-regex"] == "true"
    return [
        (p["path"], p["backend"]["service"]["name"].removeprefix("taskflow-"))
        for p in ingress["spec"]["rules"][0]["http"]["paths"]
    ]


def ingress_nginx_match(routes: list[tuple[str, str]], path: str) -> str | None:
    """With use-regex every path is a case-insensitive `^path` regex location, written longest
    first; nginx takes the first regex that matches."""
    for pattern, service in sorted(routes, key=lambda r: len(r[0]), reverse=True):
        if re.match(pattern, path, re.IGNORECASE):
            return service
    return None


def gateway_locations() -> list[tuple[str, str, str]]:
    """(modifier, pattern, service) of each location of k8s/compose-gateway.conf."""
    text = (K8S / "compose-gateway.conf").read_text()
    blocks = re.findall(r"location\s+(~\*?|=|\^~)?\s*(\S+)\s*\{([^}]*)\}", text)
    locations = []
    for modifier, pattern, body in blocks:
        upstream = re.search(r"proxy_pass\s+http://([a-z]+):\d+", body)
        refused = re.fullmatch(r"\s*return 404;\s*", body)
        assert upstream or refused, f"location {pattern} neither proxies nor refuses"
        locations.append((modifier, pattern, upstream.group(1) if upstream else None))
    return locations


def nginx_match(locations: list[tuple[str, str, str]], path: str) -> str | None:
    """nginx's order: an exact match; else the longest prefix, unless a regex (in file order)
    matches and the prefix is not `^~`."""
    for modifier, pattern, service in locations:
        if modifier == "=" and path == pattern:
            return service
    prefixes = [loc for loc in locations if loc[0] in ("", "^~") and path.startswith(loc[1])]
    longest = max(prefixes, key=lambda loc: len(loc[1]), default=None)
    if longest is not None and longest[0] == "^~":
        return longest[2]
    for modifier, pattern, service in locations:
        flags = re.IGNORECASE if modifier == "~*" else 0
        if modifier in ("~", "~*") and re.search(pattern, path, flags):
            return service
    return longest[2] if longest is not None else None


@pytest.mark.parametrize("variant", ["default", "production"])
def test_the_ingress_sends_each_path_to_its_service(variant):
    routes = ingress_routes(production_values() if variant == "production" else None)
    paths = dict(routes)
    assert paths["/mcp(/|$)"] == paths["/api/v1/chat"] == "api", "named, not a catch-all"
    got = {path: ingress_nginx_match(routes, path) for path in EXPECTED}
    assert got == EXPECTED


def test_the_compose_gateway_sends_each_path_to_its_service():
    locations = gateway_locations()
    got = {path: nginx_match(locations, path) for path in EXPECTED}
    assert got == EXPECTED


def test_the_gateway_streams_without_buffering():
    text = (K8S / "compose-gateway.conf").read_text()
    for prefix in ("/api/v1/notifications/", "/api/v1/chat", "~ ^/mcp(/|$)"):
        body = re.search(rf"location\s+{re.escape(prefix)}\s*\{{([^}}]*)\}}", text)
        assert body, prefix
        assert "proxy_buffering off" in body.group(1), prefix
        # a location's own proxy_set_header would silently drop the server's (Host, ids)
        assert "proxy_set_header" not in body.group(1), prefix

"""What the edge (the Kubernetes ingress, the chart's ingress, docker compose's gateway and
`taskflow up --dapr`'s public port) lets in from outside: the public API, MCP, the API docs
and the web app. Everything else a service answers — Dapr's subscription routes
(`/events/...`, `/dapr/...`), `/internal/...`, `/metrics` and the health probes — is for the
cluster only. tests/deploy/test_edge.py checks that every edge routes exactly these.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

PUBLIC_EXACT_PATHS: tuple[str, ...] = (
    "/",
    "/index.html",
    "/robots.txt",
    "/manifest.webmanifest",
    "/sw.js",
    "/sw-extra.js",
    "/icon-192.png",
    "/icon-512.png",
)
"""The web app's first page and the files an installed app fetches by name (the service worker
precaches /index.html; its Workbox runtime is inlined into /sw.js)."""
PUBLIC_PATH_PREFIXES: tuple[str, ...] = (
    "/api/",
    "/assets/",
    "/docs",
    "/mcp",
    "/openapi.json",
    "/trash",
    "/today",
    "/upcoming",
    "/calendar",
    "/settings",
)
"""A path is public if it is one of these or continues one with `/` (the ones ending in `/`
are whole folders): `/mcp` and `/mcp/x` are public, `/mcpx` is not."""


def is_public(path: str) -> bool:
    if path in PUBLIC_EXACT_PATHS:
        return True
    for prefix in PUBLIC_PATH_PREFIXES:
        if prefix.endswith("/"):
            if path.startswith(prefix):
                return True
        elif path == prefix or path.startswith(prefix + "/"):
            return True
    return False


class PublicOnly:
    """An ASGI wrapper for a port the outside reaches directly: 404 to every path that is
    not public (as the ingress answers), the app for the rest."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and not is_public(scope.get("path", "")):
            from backend.platform.errors import problem_response

            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            response = problem_response(404, "Not found", instance=scope.get("path"))
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)

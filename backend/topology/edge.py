"""The one public port of `taskflow up --dapr`: routes each public path to its service, as the
cluster's ingress does, and answers 404 for everything that is not public (the Dapr
subscription routes, /internal, /dapr, /metrics are for the sidecars and Prometheus only).

A plain ASGI reverse proxy over httpx: request and response bodies are streamed both ways, so
the notification service's SSE stream flows through it frame by frame.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx
from starlette.types import Receive, Scope, Send

from backend.platform.edge import is_public

# Checked in order; the first match names the service (the ingress's rules, same order).
ROUTES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^/api/v1/notifications(/|$)"), "notification"),
    (re.compile(r"^/api/v1/audit(/|$)"), "audit"),
    (re.compile(r"^/api/v1/tasks/[^/]+/reminders(/|$)"), "reminder"),
    (re.compile(r"^/"), "api"),
)
_HOP_BY_HOP = {
    b"connection",
    b"keep-alive",
    b"proxy-authenticate",
    b"proxy-authorization",
    b"te",
    b"trailer",
    b"transfer-encoding",
    b"upgrade",
}
_REQUEST_ONLY = {b"host", b"content-length"}  # httpx sets both for the upstream request


def service_for(path: str) -> str | None:
    """The service that answers a public path; None for a path the edge does not serve
    (what is public is decided in one place for every edge: backend/platform/edge.py)."""
    if not is_public(path):
        return None
    return next(service for pattern, service in ROUTES if pattern.match(path))


class Edge:
    """ASGI app: `upstreams` maps a service name to its base URL (http://127.0.0.1:PORT)."""

    def __init__(self, upstreams: Mapping[str, str]) -> None:
        self.upstreams = dict(upstreams)
        self.client = httpx.AsyncClient(
            timeout=httpx.Timeout(60.0, connect=5.0, read=None),
            limits=httpx.Limits(max_connections=1000, max_keepalive_connections=100),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        service = service_for(scope["path"])
        if service is None:
            await _problem(send, 404, "Not Found", "No such public path.")
            return
        await self._forward(self.upstreams[service], scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _forward(self, base: str, scope: Scope, receive: Receive, send: Send) -> None:
        drop = _HOP_BY_HOP | _REQUEST_ONLY
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in drop]
        client = scope.get("client")
        if client:
            headers.append((b"x-forwarded-for", client[0].encode()))
        headers.append((b"x-forwarded-proto", scope.get("scheme", "http").encode()))
        for key, value in scope["headers"]:
            if key == b"host":
                headers.append((b"x-forwarded-host", value))

        body = bytearray()  # request bodies are small (the api caps them); read them whole
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if not message.get("more_body", False):
                break
        url = base + scope["raw_path"].decode("latin-1")
        if scope.get("query_string"):
            url += "?" + scope["query_string"].decode("latin-1")
        request = self.client.build_request(
            scope["method"], url, headers=headers, content=bytes(body) or None
        )
        try:
            response = await self.client.send(request, stream=True)
        except httpx.HTTPError:
            await _problem(
                send, 503, "Service Unavailable", "That service is not answering; try again."
            )
            return
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": response.status_code,
                    "headers": [
                        (k, v) for k, v in response.headers.raw if k.lower() not in _HOP_BY_HOP
                    ],
                }
            )
            try:
                async for chunk in response.aiter_raw():
                    await send({"type": "http.response.body", "body": chunk, "more_body": True})
            except httpx.HTTPError:
                pass  # the upstream went away mid-stream: end the client's response too
            await send({"type": "http.response.body", "body": b""})
        except OSError:
            pass  # the client went away
        finally:
            await response.aclose()


async def _problem(send: Send, status: int, title: str, detail: str) -> None:
    import orjson

    body = orjson.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail})
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

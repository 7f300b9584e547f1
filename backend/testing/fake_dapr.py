"""A fake Dapr sidecar for tests, behaving as dapr-notes.md documents — no kinder.

Publish side: `POST /v1.0/publish/<pubsub>/<topic>` (query keys `metadata.*` kept, prefix
stripped; `application/cloudevents+json` passes our envelope through, adding `topic`,
`pubsubname` and trace fields; 204 / 400 body that is not a JSON CloudEvent / 404 unknown
pub/sub / 401 without the API token / 500 while `failing`), `GET /v1.0/healthz`. Delivery side: reads the app's `GET /dapr/subscribe`
and POSTs each message to its route with `dapr-api-token` when an app token is set,
interpreting the answer like Dapr: SUCCESS / empty 2xx → done, RETRY / unknown status /
non-2xx / connection error → redelivered, DROP / 404 → dead-letter topic.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import socket
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CLOUDEVENTS_JSON = "application/cloudevents+json"


@dataclass
class Message:
    topic: str
    event: dict[str, Any]
    metadata: dict[str, str]
    headers: dict[str, str]
    attempts: int = 0


@dataclass
class FakeDapr:
    pubsub: str = "taskflow-pubsub"
    api_token: str | None = None
    app_token: str | None = None
    app_url: str | None = None
    max_attempts: int = 5
    failing: bool = False
    healthy: bool = True
    published: list[Message] = field(default_factory=list)
    delivered: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    dead_lettered: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    responses: list[tuple[str, int, str]] = field(default_factory=list)
    port: int = 0

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1.0/publish/{pubsub}/{topic:path}", self._publish, methods=["POST"]),
                Route("/v1.0/healthz", self._health, methods=["GET"]),
                Route("/v1.0/healthz/outbound", self._health, methods=["GET"]),
            ]
        )

    async def _health(self, request: Request) -> Response:
        return Response(status_code=204 if self.healthy else 500)

    async def _publish(self, request: Request) -> Response:
        if self.api_token is not None and request.headers.get("dapr-api-token") != self.api_token:
            return JSONResponse({"errorCode": "ERR_UNAUTHORIZED"}, status_code=401)
        if request.path_params["pubsub"] != self.pubsub:
            return JSONResponse({"errorCode": "ERR_PUBSUB_NOT_FOUND"}, status_code=404)
        if self.failing:
            return JSONResponse({"errorCode": "ERR_PUBSUB_PUBLISH_MESSAGE"}, status_code=500)
        metadata = {
            key.removeprefix("metadata."): value
            for key, value in request.query_params.items()
            if key.startswith("metadata.")
        }
        body = await request.body()
        topic = request.path_params["topic"]
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            payload = None
        structured = request.headers.get("content-type", "").startswith(CLOUDEVENTS_JSON)
        if payload is None or (structured and not isinstance(payload, dict)):
            return JSONResponse({"errorCode": "ERR_PUBSUB_CLOUD_EVENTS_SER"}, status_code=400)
        if structured:
            event = payload
        else:  # Dapr wraps plain payloads itself
            event = {"id": secrets.token_hex(8), "type": "com.dapr.event.sent", "data": payload}
        event.update({"topic": topic, "pubsubname": self.pubsub})
        event.setdefault("traceparent", f"00-{secrets.token_hex(16)}-{secrets.token_hex(8)}-01")
        event.setdefault("traceid", event["traceparent"])
        self.published.append(Message(topic, event, metadata, dict(request.headers)))
        return Response(status_code=204)

    async def subscriptions(self) -> list[dict[str, Any]]:
        async with httpx.AsyncClient(base_url=self.app_url) as client:
            response = await client.get("/dapr/subscribe")
        return [] if response.status_code == 404 else response.json()

    async def deliver_all(self) -> None:
        """Deliver every published message to every subscription of its topic, retrying as
        Dapr does until it succeeds, is dropped, or runs out of attempts (→ dead letter)."""
        subscriptions = await self.subscriptions()
        pending = list(self.published)
        self.published.clear()
        async with httpx.AsyncClient(base_url=self.app_url, timeout=10) as client:
            for message in pending:
                for sub in (s for s in subscriptions if s["topic"] == message.topic):
                    await self._deliver(client, sub, message)

    async def _deliver(
        self, client: httpx.AsyncClient, sub: dict[str, Any], message: Message
    ) -> None:
        headers = {"Content-Type": "application/cloudevents+json"}
        if self.app_token is not None:
            headers["dapr-api-token"] = self.app_token
        for _attempt in range(self.max_attempts):
            try:
                response = await client.post(
                    sub["route"], content=orjson.dumps(message.event), headers=headers
                )
            except httpx.HTTPError:
                self.responses.append((sub["route"], 0, "connection error"))
                continue
            status = _status(response)
            self.responses.append((sub["route"], response.status_code, status))
            if status == "SUCCESS":
                self.delivered[sub["route"]].append(message.event)
                return
            if status == "DROP":
                break
        if sub.get("deadLetterTopic"):
            self.dead_lettered[sub["deadLetterTopic"]].append(message.event)

    @contextlib.asynccontextmanager
    async def running(self):
        """Serve on a free port inside the current event loop."""
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        server = uvicorn.Server(
            uvicorn.Config(self.app(), port=self.port, log_level="warning", lifespan="off")
        )
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        try:
            yield self
        finally:
            server.should_exit = True
            await task


def _status(response: httpx.Response) -> str:
    """What Dapr makes of the app's answer (dapr-notes.md, Subscribing)."""
    if response.status_code == 404:
        return "DROP"
    if not 200 <= response.status_code < 300:
        return "RETRY"
    if not response.content:
        return "SUCCESS"
    try:
        status = response.json().get("status")
    except (ValueError, AttributeError):
        return "SUCCESS"
    if status is None or status == "SUCCESS":
        return "SUCCESS"
    if status == "DROP":
        return "DROP"
    return "RETRY"  # "RETRY" and any other (case-sensitive) status

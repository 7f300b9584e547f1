"""A fake Dapr sidecar for tests — no kinder than daprd 1.18.1.

`backend/tests/events/test_dapr_contract.py` runs the same scenarios against this fake and
against a real daprd on a real Kafka; what it pins down, the fake does:

Publish (`POST /v1.0/publish/<pubsub>/<topic>`, query keys `metadata.*` kept, prefix stripped):
401 without the API token when one is set, 404 for an unknown pub/sub, 500 while `failing`.
`application/cloudevents+json` passes our envelope through (daprd's `FromCloudEvent`): a body
that is not a JSON object is a 500 `ERR_PUBSUB_CLOUD_EVENTS_SER`; `topic` and `pubsubname` are
set; the trace fields are kept only when `traceid` is present — an event carrying only
`traceparent` gets the publish call's span in both (a child of its `traceparent` header if
it has one, else a new trace); missing `time`/`source`/`type`/`specversion` get
Dapr's defaults. Any other content type is wrapped in a new envelope (`source` = the app id,
`type` com.dapr.event.sent, `data` parsed for JSON content types, else the text; 204 either way).

Delivery (`deliver_all`, called by the test): reads the app's `GET /dapr/subscribe` and POSTs
each message to its route, with `dapr-api-token` when an app token is set and a `traceparent`
header in the envelope's trace, interpreting the
answer as daprd does: any 2xx whose body is not a JSON object with a string `status`, and
`{"status": ""}` / `SUCCESS` → done; `RETRY`, an unknown status, another non-2xx or a
connection error → retried as the `resiliency` document's inbound retry policy for the pub/sub
says (no Resiliency: no retry), then dead-lettered; `DROP` and 404 → dead-lettered at once.
Its inbound circuit breaker is modelled too (`fake_resiliency.py`): while open, a delivery
does not reach the app and goes straight to the dead-letter topic.
A dead-lettered message is published, unchanged (its `topic` still the original), to the
subscription's dead-letter topic, so a subscriber of that topic receives it in the same
`deliver_all`; it is also kept in `dead_lettered`.

Invocation (`/v1.0/invoke/<app-id>/method/<path>`): 401 without the API token; the target is
looked up in the shared `resolver` (app id → FakeDapr, like the sqlite name resolver's file);
an unknown app is a 500 `ERR_DIRECT_INVOKE`; otherwise the request goes to the target's app with
the target's app token, and the app's status and body come back as they are (each call is
kept in `invocations`).
"""

from __future__ import annotations

import base64
import contextlib
import datetime
import re
import secrets
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend.testing.fake_resiliency import Breaker, inbound_breaker, inbound_retries
from backend.testing.served import serving

CLOUDEVENTS_JSON = "application/cloudevents+json"
# Headers that describe one hop, not the message: not forwarded by invocation.
_HOP_HEADERS = {"host", "content-length", "connection", "transfer-encoding", "dapr-api-token"}


@dataclass
class Message:
    topic: str
    event: dict[str, Any]
    metadata: dict[str, str]
    headers: dict[str, str]
    attempts: int = 0


_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-[0-9a-f]{16}-([0-9a-f]{2})$")


def _new_traceparent(parent: str | None = None) -> str:
    """A new span: a child of `parent` (a W3C traceparent) when it is valid, else a new trace."""
    match = _TRACEPARENT.match(parent or "")
    trace_id, flags = match.groups() if match else (secrets.token_hex(16), "01")
    return f"00-{trace_id}-{secrets.token_hex(8)}-{flags}"


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).replace(microsecond=0).isoformat()


def _media_type(content_type: str) -> str:
    return content_type.lower().split(";", 1)[0]


@dataclass
class FakeDapr:
    pubsub: str = "taskflow-pubsub"
    app_id: str = "api"
    api_token: str | None = None
    app_token: str | None = None
    app_url: str | None = None
    resiliency: dict[str, Any] | None = None
    resolver: dict[str, FakeDapr] | None = None
    failing: bool = False
    healthy: bool = True
    published: list[Message] = field(default_factory=list)
    delivered: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))
    dead_lettered: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    responses: list[tuple[str, int, str]] = field(default_factory=list)
    invocations: list[tuple[str, str, bytes]] = field(default_factory=list)
    port: int = 0

    breaker: Breaker | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.resolver is not None:
            self.resolver[self.app_id] = self
        # One breaker per component, shared by all its subscriptions, as in daprd.
        self.breaker = inbound_breaker(self.resiliency, pubsub=self.pubsub, app_id=self.app_id)

    @property
    def delivery_attempts(self) -> int:
        """1 + the retries the Resiliency gives a failed delivery."""
        return 1 + inbound_retries(self.resiliency, pubsub=self.pubsub, app_id=self.app_id)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(
                    "/v1.0/publish/bulk/{pubsub}/{topic:path}", self._bulk_publish, methods=["POST"]
                ),
                Route("/v1.0/publish/{pubsub}/{topic:path}", self._publish, methods=["POST"]),
                Route(
                    "/v1.0/invoke/{app_id}/method/{method:path}",
                    self._invoke,
                    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                ),
                Route("/v1.0/healthz", self._health, methods=["GET"]),
                Route("/v1.0/healthz/outbound", self._health, methods=["GET"]),
            ]
        )

    async def _health(self, request: Request) -> Response:
        return Response(status_code=204 if self.healthy else 500)

    def _unauthorized(self, request: Request) -> Response | None:
        if self.api_token is not None and request.headers.get("dapr-api-token") != self.api_token:
            return JSONResponse({"errorCode": "ERR_UNAUTHORIZED"}, status_code=401)
        return None

    async def _publish(self, request: Request) -> Response:
        if refused := self._unauthorized(request):
            return refused
        if request.path_params["pubsub"] != self.pubsub:
            return JSONResponse({"errorCode": "ERR_PUBSUB_NOT_FOUND"}, status_code=404)
        metadata = {
            key.removeprefix("metadata."): value
            for key, value in request.query_params.items()
            if key.startswith("metadata.")
        }
        topic = request.path_params["topic"]
        content_type = request.headers.get("content-type", "")
        body = await request.body()
        span = _new_traceparent(request.headers.get("traceparent"))
        if _media_type(content_type) == CLOUDEVENTS_JSON:
            try:
                event = orjson.loads(body)
            except orjson.JSONDecodeError:
                event = None
            if not isinstance(event, dict):
                return JSONResponse({"errorCode": "ERR_PUBSUB_CLOUD_EVENTS_SER"}, status_code=500)
            self._fill_envelope(event, topic, span)
        else:
            event = self._wrap(body, content_type, topic, span)
        if self.failing:
            return JSONResponse({"errorCode": "ERR_PUBSUB_PUBLISH_MESSAGE"}, status_code=500)
        self.published.append(Message(topic, event, metadata, dict(request.headers)))
        return Response(status_code=204)

    async def _bulk_publish(self, request: Request) -> Response:
        """`[{entryId, event, contentType, metadata}]`: each entry as its own publish (a
        structured one keeps our envelope, `metadata.partitionKey` keys it); 204, or 500 with
        every entry in `failedEntries` while `failing`."""
        if refused := self._unauthorized(request):
            return refused
        if request.path_params["pubsub"] != self.pubsub:
            return JSONResponse({"errorCode": "ERR_PUBSUB_NOT_FOUND"}, status_code=404)
        try:
            entries = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            entries = None
        if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
            return JSONResponse({"errorCode": "ERR_PUBSUB_EVENTS_SER"}, status_code=400)
        if self.failing:
            failed = [{"entryId": e.get("entryId"), "error": "broker down"} for e in entries]
            return JSONResponse(
                {"errorCode": "ERR_PUBSUB_PUBLISH_MESSAGE", "failedEntries": failed},
                status_code=500,
            )
        topic = request.path_params["topic"]
        for entry in entries:
            span = _new_traceparent(None)
            body = entry.get("event")
            content_type = entry.get("contentType", "")
            if _media_type(content_type) == CLOUDEVENTS_JSON and isinstance(body, dict):
                event = dict(body)
                self._fill_envelope(event, topic, span)
            else:
                raw = body if isinstance(body, str) else orjson.dumps(body).decode()
                event = self._wrap(raw.encode(), content_type, topic, span)
            metadata = {str(k): str(v) for k, v in (entry.get("metadata") or {}).items()}
            # each entry is a message of its own content type (the request's is the list's)
            headers = {**request.headers, "content-type": content_type}
            self.published.append(Message(topic, event, metadata, headers))
        return Response(status_code=204)

    def _fill_envelope(self, event: dict[str, Any], topic: str, span: str) -> None:
        """components-contrib `FromCloudEvent`: the trace fields are the event's own only when
        it carries `traceid`; otherwise the publish call's span replaces them (a child of the
        call's `traceparent` header, else a new trace)."""
        event.setdefault("time", _now())
        if "traceid" not in event:
            event["traceid"] = event["traceparent"] = span
        event.setdefault("tracestate", "")
        event["topic"] = topic
        event["pubsubname"] = self.pubsub
        for key, default in (("source", "Dapr"), ("type", "com.dapr.event.sent")):
            if event.get(key) is None:
                event[key] = default
        if event.get("specversion") is None:
            event["specversion"] = "1.0"

    def _wrap(self, body: bytes, content_type: str, topic: str, span: str) -> dict[str, Any]:
        """components-contrib `NewCloudEventsEnvelope` for a payload that is not a CloudEvent."""
        content_type = content_type or "text/plain"
        traceparent = span
        event: dict[str, Any] = {
            "id": str(uuid.uuid4()),
            "specversion": "1.0",
            "datacontenttype": content_type,
            "source": self.app_id,
            "type": "com.dapr.event.sent",
            "topic": topic,
            "pubsubname": self.pubsub,
            "traceid": traceparent,
            "traceparent": traceparent,
            "tracestate": "",
            "time": _now(),
        }
        media = _media_type(content_type)
        if media == "application/octet-stream":
            event["data_base64"] = base64.b64encode(body).decode()
            return event
        data: Any = body.decode(errors="replace")
        if media == "application/json":
            with contextlib.suppress(orjson.JSONDecodeError):
                data = orjson.loads(body)
        event["data"] = data
        return event

    async def _invoke(self, request: Request) -> Response:
        if refused := self._unauthorized(request):
            return refused
        body = await request.body()
        self.invocations.append(
            (request.path_params["app_id"], request.path_params["method"], body)
        )
        target = (self.resolver or {}).get(request.path_params["app_id"])
        if target is None or target.app_url is None:
            return JSONResponse({"errorCode": "ERR_DIRECT_INVOKE"}, status_code=500)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_HEADERS}
        if target.app_token is not None:
            headers["dapr-api-token"] = target.app_token
        async with httpx.AsyncClient(base_url=target.app_url, timeout=30) as client:
            answer = await client.request(
                request.method,
                "/" + request.path_params["method"],
                params=request.query_params.multi_items(),
                content=body,
                headers=headers,
            )
        content_type = answer.headers.get("content-type")
        return Response(answer.content, answer.status_code, media_type=content_type)

    async def subscriptions(self, client: httpx.AsyncClient | None = None) -> list[dict[str, Any]]:
        async with contextlib.AsyncExitStack() as stack:
            if client is None:
                client = await stack.enter_async_context(httpx.AsyncClient(base_url=self.app_url))
            response = await client.get("/dapr/subscribe")
        return [] if response.status_code == 404 else response.json()

    async def deliver_all(self) -> None:
        """Deliver every published message to every subscription of its topic, in order,
        until none is left (dead letters are published to their topic and delivered too)."""
        if not self.published:
            return
        async with httpx.AsyncClient(base_url=self.app_url, timeout=10) as client:
            subscriptions = await self.subscriptions(client)
            while self.published:
                message = self.published.pop(0)
                for sub in (s for s in subscriptions if s["topic"] == message.topic):
                    await self._deliver(client, sub, message)

    async def _deliver(
        self, client: httpx.AsyncClient, sub: dict[str, Any], message: Message
    ) -> None:
        headers = {"Content-Type": CLOUDEVENTS_JSON}
        if parent := message.event.get("traceparent"):
            headers["traceparent"] = _new_traceparent(parent)  # the delivery's span, same trace
        if self.app_token is not None:
            headers["dapr-api-token"] = self.app_token
        for _attempt in range(self.delivery_attempts):
            if self.breaker is not None and not self.breaker.allow():
                # An open (or saturated half-open) breaker is a permanent failure: no call to
                # the app, no more retries — the event is dead-lettered, however healthy.
                self.responses.append((sub["route"], 0, "circuit open"))
                break
            try:
                response = await client.post(
                    sub["route"], content=orjson.dumps(message.event), headers=headers
                )
            except httpx.HTTPError:
                self.responses.append((sub["route"], 0, "connection error"))
                self._outcome(success=False)
                continue
            status = _status(response)
            self.responses.append((sub["route"], response.status_code, status))
            self._outcome(success=status != "RETRY")  # a DROP is a success to the breaker
            if status == "SUCCESS":
                self.delivered[sub["route"]].append(message.event)
                return
            if status == "DROP":
                break
        if sub.get("deadLetterTopic"):
            dead_letter_topic = sub["deadLetterTopic"]
            self.dead_lettered[dead_letter_topic].append(message.event)
            self.published.append(
                Message(dead_letter_topic, message.event, message.metadata, message.headers)
            )

    def _outcome(self, *, success: bool) -> None:
        if self.breaker is not None:
            self.breaker.record(success)

    @contextlib.asynccontextmanager
    async def running(self):
        """Serve on a free port inside the current event loop."""
        async with serving(self.app(), lifespan="off") as url:
            self.port = int(url.rsplit(":", 1)[1])
            yield self


def _status(response: httpx.Response) -> str:
    """What daprd makes of the app's answer (dapr/dapr pkg/runtime/subscription/postman/http):
    404 → DROP; another non-2xx → RETRY; a 2xx is read as `{"status": <string>}` — a body that
    does not decode so (empty, not JSON, not an object, a status that is not a string) or an
    empty status is SUCCESS; SUCCESS / RETRY / DROP as named; any other status is retried."""
    if response.status_code == 404:
        return "DROP"
    if not 200 <= response.status_code < 300:
        return "RETRY"
    try:
        answer = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return "SUCCESS"
    if not isinstance(answer, dict):
        return "SUCCESS"
    status = answer.get("status")
    if status is None:  # encoding/json matches a field name case-insensitively
        status = next((v for k, v in answer.items() if k.lower() == "status"), None)
    if status is None or status in ("", "SUCCESS"):
        return "SUCCESS"
    if not isinstance(status, str):
        return "SUCCESS"
    return status if status in ("RETRY", "DROP") else "RETRY"

"""The two sides of the Dapr contract test (`backend/tests/events/test_dapr_contract.py`): the
same three sidecars and recording apps, once as FakeDapr and once as real daprd on Kafka.

- sidecar **a** (app id `notification`): API token, app token, the test Resiliency; its app
  subscribes to one topic with a dead-letter topic;
- sidecar **b** (app id `audit`): no tokens, no Resiliency; the same kind of app and topics;
- sidecar **c** (app id `recurring`): an API token, an app with no subscriptions; it invokes
  methods on a's app by app id;
- sidecar **d** (app id `reminder`): a Resiliency with only an inbound circuit breaker; its app
  does not subscribe to its dead letters (their deliveries would pass the same breaker and
  make the sequence racy), they are read from the topic.

Every topic has one partition, so everything on it is delivered in publish order: a scenario
is settled once a sentinel published after it has been delivered (and, for the dead-letter
topic, once a second sentinel published there has been).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from backend.testing.fake_dapr import FakeDapr
from backend.testing.real_dapr import (
    PUBSUB,
    breaker_resiliency,
    fast_resiliency,
    read_topic,
    start_sidecar,
    unique_name,
)
from backend.testing.served import ServedApp
from backend.topology.kafka import KafkaBroker, Topic
from backend.topology.sidecar import Sidecar
from backend.topology.toolchain import Installed

CLOUDEVENTS_JSON = "application/cloudevents+json"
API_TOKEN = "contract-api-token"
APP_TOKEN = "contract-app-token"
INVOKER_TOKEN = "contract-invoker-token"
RETRIES = 3  # the test Resiliency's inbound retries: 1 + 3 attempts
A_ID, B_ID, C_ID, D_ID = "notification", "audit", "recurring", "reminder"
BREAKER_TRIP = "consecutiveFailures >= 2"  # sidecar d's inbound circuit breaker
BREAKER_TIMEOUT = 2  # seconds open before it lets one delivery through
SETTLE_SECONDS = 30.0


@functools.cache
def _http() -> httpx.Client:
    """One client for the whole run (making one costs ~50 ms: it loads the CA bundle)."""
    return httpx.Client(timeout=30)


@dataclass
class Received:
    kind: str  # "delivery", "dead" or "invoke"
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        return orjson.loads(self.body)


@dataclass
class Subscriber:
    """A test app: subscribes to `topic` (dead letters to `<topic>-dlq`), records every request,
    and answers each delivery as the event's `data.answer` says: `{"code": 500}`,
    `{"code": 200, "json": {"status": "RETRY"}}`, `{"code": 200, "raw": ""}`; SUCCESS if none.
    `/invoke/<path>` records and echoes the request, with the status in `?status=`."""

    topic: str | None = None
    subscribes_dead_letters: bool = True
    received: list[Received] = field(default_factory=list)

    @property
    def dead_letter_topic(self) -> str:
        return f"{self.topic}-dlq"

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/dapr/subscribe", self._subscribe, methods=["GET"]),
                Route("/deliver", self._deliver, methods=["POST"]),
                Route("/dead", self._dead, methods=["POST"]),
                Route(
                    "/invoke/{rest:path}",
                    self._invoke,
                    methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
                ),
            ]
        )

    async def _subscribe(self, request: Request) -> Response:
        if self.topic is None:
            return JSONResponse([])
        subscriptions = [
            {
                "pubsubname": PUBSUB,
                "topic": self.topic,
                "route": "/deliver",
                "deadLetterTopic": self.dead_letter_topic,
            }
        ]
        if self.subscribes_dead_letters:
            subscriptions.append(
                {"pubsubname": PUBSUB, "topic": self.dead_letter_topic, "route": "/dead"}
            )
        return JSONResponse(subscriptions)

    async def _record(self, kind: str, request: Request) -> Received:
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        received = Received(kind, path, dict(request.headers), await request.body())
        self.received.append(received)
        return received

    async def _deliver(self, request: Request) -> Response:
        received = await self._record("delivery", request)
        data = received.event.get("data")
        answer = data.get("answer") if isinstance(data, dict) else None
        if answer is None:
            return JSONResponse({"status": "SUCCESS"})
        if "json" in answer:
            return JSONResponse(answer["json"], status_code=answer["code"])
        return Response(answer.get("raw", "").encode(), status_code=answer["code"])

    async def _dead(self, request: Request) -> Response:
        await self._record("dead", request)
        return JSONResponse({"status": "SUCCESS"})

    async def _invoke(self, request: Request) -> Response:
        received = await self._record("invoke", request)
        status = int(request.query_params.get("status", "200"))
        echo = {
            "method": request.method,
            "path": received.path,
            "body": received.body.decode(),
            "token": request.headers.get("dapr-api-token"),
        }
        return JSONResponse(echo, status_code=status)

    def of(self, kind: str, event_id: str) -> list[Received]:
        return [r for r in list(self.received) if r.kind == kind and _event_id(r) == event_id]


def _event_id(received: Received) -> str | None:
    try:
        event = received.event
    except orjson.JSONDecodeError:
        return None
    return event.get("id") if isinstance(event, dict) else None


@dataclass
class Outcome:
    attempts: list[Received]
    dead: list[Received]


@dataclass
class Channel:
    """One subscribing sidecar and its app."""

    url: str
    app: Subscriber
    token: str | None
    # For an app that does not subscribe to its dead letters: what is on that topic.
    read_dead_letters: Callable[[], list[dict[str, Any]]] | None = None

    def dead_letter_ids(self) -> list[str | None]:
        if self.read_dead_letters is None:
            return [_event_id(r) for r in list(self.app.received) if r.kind == "dead"]
        return [e.get("id") for e in self.read_dead_letters()]

    def publish(
        self,
        body: bytes,
        *,
        content_type: str = CLOUDEVENTS_JSON,
        topic: str | None = None,
        pubsub: str = PUBSUB,
        token: str | bool | None = True,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST to the sidecar's publish API (token=True: the sidecar's own API token)."""
        headers = {"Content-Type": content_type, **(headers or {})}
        sent_token = self.token if token is True else token
        if sent_token:
            headers["dapr-api-token"] = sent_token
        topic = topic or self.app.topic
        return _http().post(
            f"{self.url}/v1.0/publish/{pubsub}/{topic}", content=body, headers=headers
        )

    def publish_bulk(self, events: list[dict[str, Any]], *, key: str) -> httpx.Response:
        """POST the events as one bulk publish (structured, all with partition key `key`)."""
        body = [
            {
                "entryId": str(n),
                "event": e,
                "contentType": CLOUDEVENTS_JSON,
                "metadata": {"partitionKey": key},
            }
            for n, e in enumerate(events)
        ]
        headers = {"Content-Type": "application/json"}
        if self.token:
            headers["dapr-api-token"] = self.token
        return _http().post(
            f"{self.url}/v1.0/publish/bulk/{PUBSUB}/{self.app.topic}",
            content=orjson.dumps(body),
            headers=headers,
        )


@dataclass
class Side:
    name: str
    a: Channel
    b: Channel
    d: Channel
    invoker_url: str
    pump: Callable[[], None]

    def wait_for(self, check: Callable[[], Any], what: str) -> Any:
        deadline = time.monotonic() + SETTLE_SECONDS
        while True:
            self.pump()
            if result := check():
                return result
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.name}: {what} within {SETTLE_SECONDS:.0f} s")
            time.sleep(0.05)

    def deliver(self, channel: Channel, event: dict[str, Any]) -> Outcome:
        """Publish `event` through `channel`, let it settle; its attempts and dead letters."""
        answer = channel.publish(orjson.dumps(event))
        assert answer.status_code == 204, answer.text
        self.settle(channel)
        return Outcome(channel.app.of("delivery", event["id"]), channel.app.of("dead", event["id"]))

    def settle(self, channel: Channel) -> None:
        """Until everything published through `channel` before now has been delivered and
        dead-lettered as it will be."""
        main = sentinel()
        assert channel.publish(orjson.dumps(main)).status_code == 204
        self.wait_for(
            lambda: (
                channel.app.of("delivery", main["id"]) or main["id"] in channel.dead_letter_ids()
            ),
            "sentinel delivered or dead-lettered",
        )
        if channel.read_dead_letters is not None:
            return  # read from the topic itself: complete up to the sentinel
        dead = sentinel()
        published = channel.publish(orjson.dumps(dead), topic=channel.app.dead_letter_topic)
        assert published.status_code == 204
        self.wait_for(lambda: channel.app.of("dead", dead["id"]), "dead-letter sentinel")

    def invoke(
        self,
        app_id: str,
        method: str,
        *,
        token: str | None = INVOKER_TOKEN,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> httpx.Response:
        headers = {**(headers or {}), **({"dapr-api-token": token} if token else {})}
        return _http().post(
            f"{self.invoker_url}/v1.0/invoke/{app_id}/method/{method}",
            headers=headers,
            **kwargs,
        )


def event(**fields: Any) -> dict[str, Any]:
    """One of our CloudEvents (the fields the relay sends), with a fresh id."""
    return {
        "specversion": "1.0",
        "id": str(uuid.uuid4()),
        "type": "com.taskflow.contract",
        "source": "/contract",
        "subject": str(uuid.uuid4()),
        "time": "2026-12-05T01:02:03+00:00",
        "datacontenttype": "application/json",
        "data": {},
        **fields,
    }


def sentinel() -> dict[str, Any]:
    return event(type="com.taskflow.contract.sentinel")


def _subscribers() -> tuple[Subscriber, Subscriber, Subscriber, Subscriber]:
    """The apps of sidecars a, b, c and d (d's dead letters are read from their topic)."""
    return (
        Subscriber(unique_name("contract-a")),
        Subscriber(unique_name("contract-b")),
        Subscriber(),
        Subscriber(unique_name("contract-d"), subscribes_dead_letters=False),
    )


def _breaker() -> dict[str, Any]:
    return breaker_resiliency([D_ID], trip=BREAKER_TRIP, timeout=f"{BREAKER_TIMEOUT}s")


@contextlib.contextmanager
def fake_side() -> Iterator[Side]:
    """Four FakeDapr sidecars served from threads, sharing one name resolver."""
    subscribers = _subscribers()
    with contextlib.ExitStack() as stack:
        apps = [stack.enter_context(ServedApp(s.app())) for s in subscribers]
        resolver: dict[str, FakeDapr] = {}
        fakes = [
            FakeDapr(
                app_id=A_ID,
                api_token=API_TOKEN,
                app_token=APP_TOKEN,
                resiliency=fast_resiliency([A_ID], retries=RETRIES),
                app_url=apps[0].url,
                resolver=resolver,
            ),
            FakeDapr(app_id=B_ID, app_url=apps[1].url, resolver=resolver),
            FakeDapr(app_id=C_ID, api_token=INVOKER_TOKEN, app_url=apps[2].url, resolver=resolver),
            FakeDapr(app_id=D_ID, resiliency=_breaker(), app_url=apps[3].url, resolver=resolver),
        ]
        served = [stack.enter_context(ServedApp(fake.app())) for fake in fakes]
        for fake, app in zip(fakes, served, strict=True):
            fake.port = app.port

        def pump() -> None:
            for fake, app in zip(fakes, served, strict=True):
                app.call(fake.deliver_all())

        d_dead_letters = subscribers[3].dead_letter_topic
        yield Side(
            "fake",
            Channel(served[0].url, subscribers[0], API_TOKEN),
            Channel(served[1].url, subscribers[1], None),
            Channel(
                served[3].url,
                subscribers[3],
                None,
                lambda: list(fakes[3].dead_lettered[d_dead_letters]),
            ),
            served[2].url,
            pump,
        )


@contextlib.contextmanager
def real_side(installed: Installed, broker: KafkaBroker, directory: Path) -> Iterator[Side]:
    """Four daprd sidecars on `broker`, finding each other through one sqlite resolver file."""
    subscribers = _subscribers()
    names = directory / "name-resolution.db"
    configurations: list[tuple[str, dict[str, Any]]] = [
        (
            A_ID,
            {
                "api_token": API_TOKEN,
                "app_token": APP_TOKEN,
                "resiliency": fast_resiliency([A_ID], retries=RETRIES),
            },
        ),
        (B_ID, {}),
        (C_ID, {"api_token": INVOKER_TOKEN}),
        (D_ID, {"resiliency": _breaker()}),
    ]
    with contextlib.ExitStack() as stack:
        apps = [stack.enter_context(ServedApp(s.app())) for s in subscribers]
        sidecars: list[Sidecar] = []
        stack.callback(lambda: [sidecar.stop() for sidecar in sidecars])
        for (app_id, extra), app, subscriber in zip(configurations, apps, subscribers, strict=True):
            topics = []
            if subscriber.topic is not None:
                topics = [Topic(subscriber.topic, 1), Topic(subscriber.dead_letter_topic, 1)]
            sidecars.append(
                start_sidecar(
                    installed,
                    broker,
                    directory / app_id,
                    app_id=app_id,
                    app_port=app.port,
                    name_resolution_db=names,
                    topics=topics,
                    **extra,
                )
            )

        def d_dead_letters() -> list[dict[str, Any]]:
            topic = subscribers[3].dead_letter_topic
            return [orjson.loads(v) for v in asyncio.run(read_topic(broker.bootstrap, topic))]

        yield Side(
            "real",
            Channel(sidecars[0].url, subscribers[0], API_TOKEN),
            Channel(sidecars[1].url, subscribers[1], None),
            Channel(sidecars[3].url, subscribers[3], None, d_dead_letters),
            sidecars[2].url,
            lambda: None,
        )

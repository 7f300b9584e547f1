"""The Dapr path against a fake sidecar that behaves as Dapr documents: publishing through
the sidecar, readiness, the subscription routes and the app token."""

from __future__ import annotations

import asyncio
import base64
import uuid

import httpx
import orjson
import pytest

from backend.app import create_app, load_services
from backend.testing.fake_dapr import FakeDapr
from backend.testing.fixtures import make_settings, signup
from backend.testing.real_dapr import fast_resiliency
from backend.testing.served import serving
from backend.tests.events import probe
from backend.tests.events.conftest import eventually

API_TOKEN = "sidecar-api-token"
APP_TOKEN = "app-token-from-dapr"


@pytest.fixture
async def dapr_stack(events_database_url, redis_url):
    probe.knobs.__init__()
    # Retries only as a Resiliency gives them (3 here), as daprd does.
    fake = FakeDapr(
        api_token=API_TOKEN, app_token=APP_TOKEN, resiliency=fast_resiliency(["api"], retries=3)
    )
    async with fake.running():
        settings = make_settings(
            events_database_url,
            redis_url,
            event_transport="dapr",
            dapr_http_port=fake.port,
            dapr_api_token=API_TOKEN,
            app_api_token=APP_TOKEN,
        )
        app = create_app(settings, [*load_services(["api"]), probe.spec()], name="api+probe")
        async with serving(app) as url:
            fake.app_url = url
            async with httpx.AsyncClient(base_url=url) as client:
                yield fake, client


async def test_the_relay_publishes_structured_cloudevents_keyed_by_task(dapr_stack, edb):
    fake, client = dapr_stack
    account = await signup(client)
    task = (
        await client.post("/api/v1/tasks", json={"title": "to Kafka"}, headers=account.headers)
    ).json()
    assert await eventually(lambda: _published(fake, task["id"]))
    (message,) = [m for m in fake.published if m.event["subject"] == task["id"]]
    assert message.topic == "task-events"
    assert message.metadata == {"partitionKey": task["id"]}
    assert message.headers["content-type"] == "application/cloudevents+json"
    assert message.headers["dapr-api-token"] == API_TOKEN
    assert message.event["type"] == "com.taskflow.task.created"
    assert (
        message.event["specversion"] == "1.0"
        and message.event["data"]["task"]["title"] == "to Kafka"
    )
    assert await eventually(
        lambda: edb.fetchval(
            "SELECT published_at IS NOT NULL FROM outbox WHERE partition_key = $1", task["id"]
        )
    )


async def _published(fake: FakeDapr, task_id: str) -> bool:
    return any(m.event.get("subject") == task_id for m in fake.published)


async def test_a_failing_sidecar_loses_nothing_and_keeps_order(dapr_stack, edb):
    fake, client = dapr_stack
    account = await signup(client)
    fake.failing = True
    task = (
        await client.post("/api/v1/tasks", json={"title": "t0"}, headers=account.headers)
    ).json()
    for i in range(1, 6):
        await client.patch(
            f"/api/v1/tasks/{task['id']}", json={"title": f"t{i}"}, headers=account.headers
        )
    others = [
        (
            await client.post(
                "/api/v1/tasks", json={"title": f"other {i}"}, headers=account.headers
            )
        ).json()["id"]
        for i in range(10)
    ]
    await asyncio.sleep(1.0)
    assert not [m for m in fake.published if m.event["subject"] in {task["id"], *others}]
    unpublished = await edb.fetchval(
        "SELECT count(*) FROM outbox WHERE published_at IS NULL AND partition_key = ANY($1::text[])",
        [task["id"], *others],
    )
    assert unpublished == 16
    fake.failing = False  # the broker is back
    ids = {task["id"], *others}
    assert await eventually(lambda: _count(fake, ids, 16), timeout=30), (
        "events were lost after the sidecar recovered"
    )
    versions = [
        m.event["data"]["version"] for m in fake.published if m.event["subject"] == task["id"]
    ]
    assert versions == [1, 2, 3, 4, 5, 6]
    event_ids = [m.event["id"] for m in fake.published if m.event["subject"] in ids]
    assert len(event_ids) == len(set(event_ids))


async def _count(fake: FakeDapr, subjects: set[str], expected: int) -> bool:
    return len([m for m in fake.published if m.event["subject"] in subjects]) >= expected


async def test_readiness_follows_the_sidecar(dapr_stack):
    fake, client = dapr_stack
    ready = await client.get("/health/ready")
    assert ready.status_code == 200 and ready.json()["checks"]["dapr"] == "ok"
    fake.healthy = False
    not_ready = await client.get("/health/ready")
    assert not_ready.status_code == 503 and not_ready.json()["checks"]["dapr"].startswith("failing")


async def test_subscribe_lists_routes_with_dead_letter_topics(dapr_stack):
    _, client = dapr_stack
    subscriptions = (await client.get("/dapr/subscribe")).json()
    probe_sub = next(s for s in subscriptions if s["route"] == "/events/probe/task-events")
    assert probe_sub == {
        "pubsubname": "taskflow-pubsub",
        "topic": "task-events",
        "route": "/events/probe/task-events",
        "metadata": {},
        "deadLetterTopic": "task-events-dlq",
    }
    assert {s["topic"] for s in subscriptions} >= {"task-events-dlq", "reminders-dlq"}


async def test_deliveries_through_the_sidecar_are_applied_once_and_failures_follow_dapr(
    dapr_stack, edb
):
    fake, client = dapr_stack
    account = await signup(client)
    task = (
        await client.post("/api/v1/tasks", json={"title": "delivered"}, headers=account.headers)
    ).json()
    assert await eventually(lambda: _published(fake, task["id"]))
    event_id = next(m.event["id"] for m in fake.published if m.event["subject"] == task["id"])
    probe.knobs.fail_first[event_id] = 2  # RETRY twice, then SUCCESS
    probe.knobs.drop_titles.add("poison")
    poison = (
        await client.post("/api/v1/tasks", json={"title": "poison"}, headers=account.headers)
    ).json()
    assert await eventually(lambda: _published(fake, poison["id"]))
    duplicate = next(m for m in fake.published if m.event["subject"] == task["id"])
    fake.published.append(duplicate)  # at-least-once: Dapr delivers it twice
    await fake.deliver_all()
    route = "/events/probe/task-events"
    assert [e["id"] for e in fake.delivered[route]].count(event_id) == 2
    statuses = [status for r, _code, status in fake.responses if r == route]
    assert statuses.count("RETRY") == 2 and "DROP" in statuses
    assert [e["subject"] for e in fake.dead_lettered["task-events-dlq"]] == [poison["id"]]
    applied = await edb.fetchval(
        "SELECT count(*) FROM probe_applied WHERE event_id = $1", uuid.UUID(event_id)
    )
    assert applied == 1


async def test_deliveries_without_the_app_token_are_refused(dapr_stack):
    _, client = dapr_stack
    event = {
        "id": str(uuid.uuid4()),
        "type": "com.taskflow.task.created",
        "specversion": "1.0",
        "data": {},
    }
    refused = await client.post("/events/probe/task-events", json=event)
    assert refused.status_code == 401
    wrong = await client.post(
        "/events/probe/task-events", json=event, headers={"dapr-api-token": "nope"}
    )
    assert wrong.status_code == 401
    malformed = await client.post(
        "/events/probe/task-events", content=b"{not json", headers={"dapr-api-token": APP_TOKEN}
    )
    assert malformed.json() == {"status": "DROP"}


async def test_base64_envelopes_as_dapr_delivers_them_are_applied(dapr_stack, edb):
    fake, client = dapr_stack
    account = await signup(client)
    task = (
        await client.post("/api/v1/tasks", json={"title": "b64"}, headers=account.headers)
    ).json()
    assert await eventually(lambda: _published(fake, task["id"]))
    event = dict(next(m.event for m in fake.published if m.event["subject"] == task["id"]))
    event["data_base64"] = base64.b64encode(orjson.dumps(event.pop("data"))).decode()
    event["datacontenttype"] = "application/json"
    answer = await client.post(
        "/events/probe/task-events",
        content=orjson.dumps(event),
        headers={"dapr-api-token": APP_TOKEN, "Content-Type": "application/cloudevents+json"},
    )
    assert answer.json() == {"status": "SUCCESS"}
    title = await edb.fetchval(
        "SELECT title FROM probe_tasks WHERE task_id = $1", uuid.UUID(task["id"])
    )
    assert title == "b64"

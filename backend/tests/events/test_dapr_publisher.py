"""The Dapr publisher against the fake sidecar's refusals: a refused or unreachable publish is
reported as not accepted (so the relay keeps the row), and the sidecar received nothing."""

from __future__ import annotations

import socket
import uuid

import httpx
import pytest

from backend.platform.events.transports.dapr import DaprPublisher
from backend.testing.fake_dapr import FakeDapr
from backend.testing.fixtures import make_settings

TOKEN = "sidecar-token"


def _event() -> dict:
    task = str(uuid.uuid4())
    return {"specversion": "1.0", "id": str(uuid.uuid4()), "type": "t", "subject": task}


def _publisher(port: int, **overrides) -> DaprPublisher:
    settings = make_settings(
        "postgresql://unused/db", "redis://unused/0", dapr_http_port=port, **overrides
    )
    return DaprPublisher(settings)


@pytest.mark.parametrize(
    ("overrides", "why"),
    [
        ({"dapr_api_token": "wrong"}, "401 wrong API token"),
        ({}, "401 no API token"),
        ({"dapr_api_token": TOKEN, "pubsub_name": "nonexistent"}, "404 unknown pub/sub"),
    ],
)
async def test_refused_publishes_are_not_accepted(overrides, why):
    async with FakeDapr(api_token=TOKEN).running() as fake:
        publisher = _publisher(fake.port, **overrides)
        try:
            event = _event()
            assert not await publisher.send("task-events", event, partition_key=event["subject"]), (
                why
            )
        finally:
            await publisher.close()
        assert fake.published == []


async def test_a_failing_then_recovered_sidecar_accepts_the_retry():
    async with FakeDapr(api_token=TOKEN, failing=True).running() as fake:
        publisher = _publisher(fake.port, dapr_api_token=TOKEN)
        try:
            event = _event()
            assert not await publisher.send("task-events", event, partition_key=event["subject"])
            fake.failing = False
            assert await publisher.send("task-events", event, partition_key=event["subject"])
        finally:
            await publisher.close()
        (message,) = fake.published
        assert message.event["id"] == event["id"] and message.event["pubsubname"] == fake.pubsub
        assert message.metadata == {"partitionKey": event["subject"]}


async def test_an_unreachable_sidecar_is_not_accepted():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once closed
    publisher = _publisher(port)
    try:
        event = _event()
        assert not await publisher.send("task-events", event, partition_key=event["subject"])
        with pytest.raises(httpx.HTTPError):
            await publisher.healthy()
    finally:
        await publisher.close()


async def test_the_sidecar_rejects_a_body_that_is_not_a_cloudevent():
    """daprd 1.18 answers 500 ERR_PUBSUB_CLOUD_EVENTS_SER (not a 4xx): see test_dapr_contract."""
    async with FakeDapr().running() as fake:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{fake.port}") as client:
            response = await client.post(
                "/v1.0/publish/taskflow-pubsub/task-events",
                content=b"[1, 2",
                headers={"Content-Type": "application/cloudevents+json"},
            )
        assert response.status_code == 500 and fake.published == []
        assert response.json()["errorCode"] == "ERR_PUBSUB_CLOUD_EVENTS_SER"

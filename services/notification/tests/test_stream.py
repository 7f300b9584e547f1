"""What a streaming user sees: only their own events, once each, in order, within limits."""

from __future__ import annotations

import asyncio
import json
import time

import httpx

from services.notification.tests.conftest import STREAM, deliver, open_stream, task_event


async def test_events_reach_only_their_users_streams(notify_server, alice, bob):
    async with (
        open_stream(notify_server, headers=alice.headers) as alice_sse,
        open_stream(notify_server, headers=bob.headers) as bob_sse,
    ):
        for_bob = task_event(bob.id, title="bob's secret")
        await deliver(notify_server, for_bob)
        await deliver(notify_server, task_event(alice.id, title="alice's"))
        assert (await bob_sse.next())["id"] == for_bob["id"]
        assert (await alice_sse.next())["data"]["task"]["title"] == "alice's"
        assert await alice_sse.silent(0.5)
        assert await bob_sse.silent(0.1)


async def test_real_api_events_arrive_as_frames(notify_server, client, db, alice):
    created = await client.post(
        "/api/v1/tasks", json={"title": "Water plants"}, headers=alice.headers
    )
    assert created.status_code == 201, created.text
    task = created.json()
    done = await client.post(f"/api/v1/tasks/{task['id']}/complete", headers=alice.headers)
    assert done.status_code == 200, done.text
    rows = await db.fetch(
        "SELECT event FROM outbox WHERE partition_key = $1 ORDER BY id", task["id"]
    )
    events = [json.loads(row["event"]) for row in rows]  # asyncpg returns jsonb as text
    async with open_stream(notify_server, headers=alice.headers) as sse:
        for event in events:
            assert await deliver(notify_server, event) == "SUCCESS"
        frames = await sse.frames(len(events))
    assert [f["event"] for f in frames] == [
        "com.taskflow.task.created",
        "com.taskflow.task.completed",
    ]
    assert frames[-1]["data"]["task"]["status"] == "completed"
    assert [f["id"] for f in frames] == [e["id"] for e in events]


async def test_a_redelivered_event_is_sent_once(notify_server, alice):
    event = task_event(alice.id)
    async with open_stream(notify_server, headers=alice.headers) as sse:
        for _ in range(3):
            assert await deliver(notify_server, event) == "SUCCESS"
        assert (await sse.next())["id"] == event["id"]
        assert await sse.silent(0.5)


async def test_an_older_version_never_follows_a_newer_one(notify_server, alice):
    newer = task_event(alice.id, version=5, title="newest")
    older = task_event(alice.id, task_id=newer["subject"], version=4, title="stale")
    async with open_stream(notify_server, headers=alice.headers) as sse:
        await deliver(notify_server, newer)
        await deliver(notify_server, older)
        assert (await sse.next())["data"]["task"]["title"] == "newest"
        assert await sse.silent(0.4)


async def test_unknown_types_and_malformed_events_are_dropped(notify_server, alice):
    unknown = task_event(alice.id, type="com.taskflow.task.teleported")
    no_user = task_event("not-a-uuid")
    async with open_stream(notify_server, headers=alice.headers) as sse:
        assert await deliver(notify_server, unknown) == "DROP"
        assert await deliver(notify_server, no_user) == "DROP"
        assert await sse.silent(0.3)


async def test_reminders_are_streamed(notify_server, alice):
    from backend.platform.events.cloudevent import make_cloudevent

    reminder = make_cloudevent(
        type="com.taskflow.reminder.triggered",
        source="taskflow/reminder",
        subject="7d3f6a52-0d5e-4c55-9c1a-2b1f0c1e9a10",
        data={
            "user_id": alice.id,
            "task_id": "7d3f6a52-0d5e-4c55-9c1a-2b1f0c1e9a10",
            "task_title": "Dentist",
            "due_at": "2026-11-24T09:00:00Z",
            "reminder_id": "r1",
            "fire_at": "2026-11-24T08:45:00Z",
        },
    )
    async with open_stream(notify_server, headers=alice.headers) as sse:
        assert await deliver(notify_server, reminder, "/events/notification/reminders") == "SUCCESS"
        frame = await sse.next()
    assert frame["event"] == "com.taskflow.reminder.triggered"
    assert frame["data"]["task_title"] == "Dentist"


async def test_a_fourth_stream_gets_429_and_a_closed_one_frees_its_slot(notify_server, alice):
    async with (
        open_stream(notify_server, headers=alice.headers),
        open_stream(notify_server, headers=alice.headers),
    ):
        async with open_stream(notify_server, headers=alice.headers):
            async with httpx.AsyncClient(base_url=notify_server.url) as client:
                fourth = await client.get(STREAM, headers=alice.headers)
            assert fourth.status_code == 429
            assert fourth.headers["content-type"] == "application/problem+json"
            assert "3 open notification streams" in fourth.json()["detail"]
        # the third closed: its slot is free again (the server notices the disconnect)
        deadline = time.monotonic() + 5
        while True:
            async with open_stream(notify_server, headers=alice.headers) as again:
                if again.response.status_code == 200:
                    break
            assert time.monotonic() < deadline, "the closed stream's slot was never freed"
            await asyncio.sleep(0.05)


async def test_heartbeat_comments_keep_an_idle_stream_alive(server_factory, alice):
    async with (
        server_factory(notify_heartbeat_seconds=0.3) as server,
        open_stream(server, headers=alice.headers) as sse,
    ):
        started = time.monotonic()
        beats = [await sse.next(2, comments=True) for _ in range(3)]
        elapsed = time.monotonic() - started
    assert beats == [{"comment": ""}] * 3
    assert 0.5 < elapsed < 2.5


async def test_bursts_are_rate_limited_and_coalesced_per_task(server_factory, alice):
    async with (
        server_factory(notify_frames_per_second=4) as server,
        open_stream(server, headers=alice.headers) as sse,
    ):
        first = task_event(alice.id, title="v1")
        task_id = first["subject"]
        await deliver(server, first)
        assert (await sse.next())["data"]["task"]["title"] == "v1"
        # within the next 250 ms window: updates of the task around another task's change
        for version in range(2, 5):
            event = task_event(alice.id, task_id=task_id, version=version, title=f"v{version}")
            await deliver(server, event)
        await deliver(server, task_event(alice.id, title="other task"))
        await deliver(server, task_event(alice.id, task_id=task_id, version=5, title="v5"))
        frames, arrived = [], []
        for _ in range(2):
            frames.append(await sse.next())
            arrived.append(time.monotonic())
        assert await sse.silent(0.6)
    # the four updates collapsed into the newest, which keeps its place in history order
    # (after the other task's change), so a Last-Event-ID never skips an unsent frame
    assert [f["data"]["task"]["title"] for f in frames] == ["other task", "v5"]
    # at most 4 frames a second here: consecutive frames are at least 250 ms apart
    assert arrived[1] - arrived[0] >= 0.2

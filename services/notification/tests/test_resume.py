"""Last-Event-ID: what a client missed while away is replayed, then live — no gap, no dup."""

from __future__ import annotations

import asyncio

import httpx

from backend.platform.events.subscriptions import Delivery
from services.notification.handlers import handle
from services.notification.tests.conftest import STREAM, deliver, open_stream, task_event


async def test_resume_replays_what_was_missed_then_continues_live(notify_server, alice):
    events = [task_event(alice.id, title=f"#{n}") for n in range(6)]
    async with open_stream(notify_server, headers=alice.headers) as sse:
        for event in events[:2]:
            await deliver(notify_server, event)
        seen = await sse.frames(2)
    for event in events[2:5]:  # while the client is away
        await deliver(notify_server, event)
    headers = {**alice.headers, "Last-Event-ID": seen[-1]["id"]}
    async with open_stream(notify_server, headers=headers) as sse:
        replayed = await sse.frames(3)
        await deliver(notify_server, events[5])
        live = await sse.next()
        assert await sse.silent(0.3)
    assert [f["id"] for f in [*seen, *replayed, live]] == [e["id"] for e in events]


async def test_no_gap_and_no_duplicate_at_the_replay_live_seam(server_factory, alice):
    """Events keep being recorded while the client reconnects again and again, so some land
    between the stream joining the live fan-out and its replay read: each arrives once."""
    events = [task_event(alice.id, title=f"#{n}") for n in range(300)]
    received: list[str] = []
    async with server_factory(notify_frames_per_second=1000) as server:

        async def publish() -> None:
            for event in events:
                await handle(Delivery(event=event, topic="task-events", runtime=server.runtime))
                await asyncio.sleep(0.0005)

        async with open_stream(server, headers=alice.headers) as sse:
            publisher = asyncio.create_task(publish())
            received.append((await sse.next())["id"])
        while len(received) < len(events):
            headers = {**alice.headers, "Last-Event-ID": received[-1]}
            async with open_stream(server, headers=headers) as sse:
                for _ in range(15):
                    try:
                        received.append((await sse.next(2))["id"])
                    except TimeoutError:
                        break
                    if len(received) == len(events):
                        break
        await publisher
    assert received == [e["id"] for e in events]


async def test_an_unknown_or_foreign_last_event_id_replays_only_own_history(
    notify_server, alice, bob
):
    bobs = task_event(bob.id)
    alices = task_event(alice.id)
    await deliver(notify_server, bobs)
    await deliver(notify_server, alices)
    for last_event_id in (bobs["id"], "no-such-event", "x" * 150):
        headers = {**alice.headers, "Last-Event-ID": last_event_id}
        async with open_stream(notify_server, headers=headers) as sse:
            frames = []
            while True:
                try:
                    frames.append(await sse.next(0.4))
                except TimeoutError:
                    break
        assert alices["id"] in [f["id"] for f in frames]
        assert all(f["data"]["user_id"] == alice.id for f in frames)


async def test_an_oversized_last_event_id_is_a_clear_4xx(notify_server, alice):
    async with httpx.AsyncClient(base_url=notify_server.url) as client:
        answer = await client.get(STREAM, headers={**alice.headers, "Last-Event-ID": "x" * 300})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"

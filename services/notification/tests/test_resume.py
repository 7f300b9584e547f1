"""Last-Event-ID: what a client missed while away is replayed, then live — no gap, no dup."""

from __future__ import annotations

import asyncio

from services.notification.tests.conftest import deliver, open_stream, task_event


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
    events = [task_event(alice.id, title=f"#{n}") for n in range(60)]
    async with server_factory(notify_frames_per_second=1000) as server:
        async with open_stream(server, headers=alice.headers) as sse:
            await deliver(server, events[0])
            last = (await sse.next())["id"]

        async def publish_rest() -> None:
            for event in events[1:]:
                await deliver(server, event)

        # events keep arriving while the client reconnects and its replay is read
        publisher = asyncio.create_task(publish_rest())
        await asyncio.sleep(0.05)
        async with open_stream(server, headers={**alice.headers, "Last-Event-ID": last}) as sse:
            received = [f["id"] for f in await sse.frames(len(events) - 1, timeout=10)]
            await publisher
            assert await sse.silent(0.3)
    assert received == [e["id"] for e in events[1:]]


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
    import httpx

    from services.notification.tests.conftest import STREAM

    async with httpx.AsyncClient(base_url=notify_server.url) as client:
        answer = await client.get(STREAM, headers={**alice.headers, "Last-Event-ID": "x" * 300})
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"

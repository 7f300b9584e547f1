"""Several notification replicas share one Redis: every replica's streams see every event."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from services.notification.tests.conftest import STREAM, deliver, open_stream, task_event


async def test_an_event_received_by_one_replica_reaches_streams_on_both(server_factory, alice):
    async with (
        server_factory() as first,
        server_factory() as second,
        open_stream(first, headers=alice.headers) as on_first,
        open_stream(second, headers=alice.headers) as on_second,
    ):
        only_to_first = task_event(alice.id, title="to the first replica")
        only_to_second = task_event(alice.id, title="to the second replica")
        await deliver(first, only_to_first)
        await deliver(second, only_to_second)
        expected = [only_to_first["id"], only_to_second["id"]]
        assert [f["id"] for f in await on_first.frames(2)] == expected
        assert [f["id"] for f in await on_second.frames(2)] == expected
        # redelivered to the other replica (Dapr retried elsewhere): still once
        await deliver(second, only_to_first)
        assert await on_first.silent(0.4)
        assert await on_second.silent(0.1)


async def test_the_stream_limit_counts_every_replica(server_factory, alice):
    async with (
        server_factory() as first,
        server_factory() as second,
        open_stream(first, headers=alice.headers),
        open_stream(second, headers=alice.headers),
        open_stream(second, headers=alice.headers),
        httpx.AsyncClient(base_url=first.url) as client,
    ):
        fourth = await client.get(STREAM, headers=alice.headers)
    assert fourth.status_code == 429


@pytest.mark.slow
async def test_a_crashed_replicas_slots_lapse(server_factory, redis, alice):
    from services.notification.limits import acquire_slot

    # a replica took three slots, then died: nobody refreshes them
    for n in range(3):
        assert await acquire_slot(
            redis, user_id=alice.id, slot_id=f"dead-{n}", limit=3, ttl_seconds=3
        )
    async with (
        server_factory(notify_slot_ttl_seconds=3) as server,
        httpx.AsyncClient(base_url=server.url) as client,
    ):
        assert (await client.get(STREAM, headers=alice.headers)).status_code == 429
        await asyncio.sleep(3.2)
        async with open_stream(server, headers=alice.headers) as sse:
            assert sse.response.status_code == 200
            # a live stream's slot is refreshed, so it outlives the TTL
            await asyncio.sleep(3.5)
            assert await redis.zscore(f"taskflow:notify:slots:{alice.id}", "dead-0") is None
            assert await redis.zcard(f"taskflow:notify:slots:{alice.id}") == 1

"""An open stream holds no per-request machinery, yet its open is logged like any request;
live frames are written straight from the fan-out, and a stream ended by the server (not
by its client) ends cleanly and gives its places back."""

from __future__ import annotations

import asyncio
import itertools
import re

import httpx
import pytest

from services.notification.chunks import chunk_writer
from services.notification.hub import hub_for
from services.notification.limits import slots_key
from services.notification.tests.conftest import deliver, open_stream, task_event
from services.notification.tests.test_capacity import gauges, until

_OPENED = re.compile(
    r'^taskflow_http_requests_total\{method="GET",route="/api/v1/notifications/stream",'
    r'service="notification",status="200"\} (\S+)$',
    re.MULTILINE,
)


async def _opens_counted(server) -> float:
    async with httpx.AsyncClient(base_url=server.url) as client:
        found = _OPENED.search((await client.get("/metrics")).text)
    return float(found.group(1)) if found else 0.0


async def test_the_open_is_a_finished_request_while_the_stream_lives_on(notify_server, alice):
    before = await _opens_counted(notify_server)
    headers = {**alice.headers, "X-Request-ID": "open-123"}
    async with open_stream(notify_server, headers=headers) as sse:
        assert sse.response.headers["x-request-id"] == "open-123"
        # the request (span, metrics, context) is over as soon as the stream is open ...
        assert await _opens_counted(notify_server) == before + 1
        # ... and the stream still works
        event = task_event(alice.id, title="after the open")
        await deliver(notify_server, event)
        assert (await sse.next())["id"] == event["id"]


async def test_frames_keep_every_byte_of_non_ascii_text(notify_server, alice):
    title = "Réunion ✓ 会議 — 🎉"
    async with open_stream(notify_server, headers=alice.headers) as sse:
        await deliver(notify_server, task_event(alice.id, title=title))
        await deliver(notify_server, task_event(alice.id, title="next"))
        frames = await sse.frames(2)
    assert [f["data"]["task"]["title"] for f in frames] == [title, "next"]


async def test_live_frames_go_straight_to_the_socket_under_the_real_server(notify_server, alice):
    async with open_stream(notify_server, headers=alice.headers) as sse:
        hub = hub_for(notify_server.runtime)
        (connection,) = hub.users[alice.id]
        # uvicorn's httptools protocol, as `taskflow serve` runs it: the fan-out writes each
        # chunk itself instead of going through the ASGI send (a uvicorn upgrade that moves
        # its internals fails here rather than silently making every fan-out slower)
        assert connection.writer is not None
        events = [task_event(alice.id, title=f"direct {n}") for n in range(3)]
        for event in events:
            await deliver(notify_server, event)
        assert [f["id"] for f in await sse.frames(3)] == [e["id"] for e in events]


async def test_a_server_other_than_uvicorns_httptools_gets_every_frame_through_send():
    async def send(message: dict) -> None:
        pass

    assert chunk_writer(send) is None


@pytest.mark.parametrize("reason", ["resync", "shutdown"])
async def test_a_stream_the_server_ends_closes_cleanly_and_frees_its_places(
    server_factory, redis, alice, reason
):
    async with server_factory() as server:
        async with open_stream(server, headers=alice.headers) as sse:
            assert await redis.zcard(slots_key(alice.id)) == 1
            hub_for(server.runtime).close_all(reason)
            with pytest.raises(EOFError):  # the response ends (its last chunk is sent)
                await sse.next()

        async def released() -> bool:
            freed = await redis.zcard(slots_key(alice.id)) == 0
            return freed and (await gauges(server))["taskflow_sse_connections"] == 0

        await until(released)


async def test_frames_queued_behind_the_rate_go_out_in_order(server_factory, alice):
    events = [task_event(alice.id, title=f"#{n}") for n in range(6)]
    async with (
        server_factory(notify_frames_per_second=20) as server,
        open_stream(server, headers=alice.headers) as sse,
    ):
        loop = asyncio.get_running_loop()

        frames: list[tuple[float, str]] = []

        async def reader() -> None:
            for _ in events:
                frame = await sse.next()
                frames.append((loop.time(), frame["id"]))

        reading = asyncio.create_task(reader())
        await asyncio.gather(*(deliver(server, event) for event in events))
        await reading
    # six distinct tasks (nothing to coalesce) at once: all but the first wait their turn
    assert sorted(f[1] for f in frames) == sorted(e["id"] for e in events)
    gaps = [later[0] - earlier[0] for earlier, later in itertools.pairwise(frames)]
    assert min(gaps) >= 0.04  # at most 20 a second: 50 ms apart

"""Streams that cannot keep up end rather than hold memory and slots forever."""

from __future__ import annotations

import asyncio
import socket
import time

import pytest

from services.notification.hub import hub_for
from services.notification.limits import slots_key
from services.notification.tests.conftest import deliver, open_stream, task_event


def _stalled_client(port: int, token: str) -> socket.socket:
    """Opens the stream with a tiny receive buffer, then never reads."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1024)
    sock.connect(("127.0.0.1", port))
    request = (
        "GET /api/v1/notifications/stream HTTP/1.1\r\nHost: test\r\n"
        f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n"
    )
    sock.sendall(request.encode())
    return sock


@pytest.mark.slow
async def test_a_client_that_stops_reading_is_evicted_and_its_slot_freed(
    server_factory, redis, alice
):
    async with server_factory(
        notify_send_timeout_seconds=1, notify_frames_per_second=1000
    ) as server:
        sock = _stalled_client(server.port, alice.token)
        try:
            hub = hub_for(server.runtime)
            async with asyncio.timeout(5):
                while len(hub) == 0:
                    await asyncio.sleep(0.02)
            assert await redis.zcard(slots_key(alice.id)) == 1
            big = "x" * 64 * 1024
            started = time.monotonic()
            for _ in range(100):  # ~6.4 MB the client never reads
                await deliver(server, task_event(alice.id, title=big))
                if len(hub) == 0:
                    break
            async with asyncio.timeout(10):
                while len(hub) or await redis.zcard(slots_key(alice.id)):
                    await asyncio.sleep(0.05)
            assert time.monotonic() - started < 15
            # the user can use all their streams again, and they work
            async with (
                open_stream(server, headers=alice.headers),
                open_stream(server, headers=alice.headers),
                open_stream(server, headers=alice.headers) as sse,
            ):
                assert sse.response.status_code == 200
                await deliver(server, task_event(alice.id, title="small"))
                assert (await sse.next())["data"]["task"]["title"] == "small"
        finally:
            sock.close()


async def test_a_queue_past_its_bound_ends_the_stream_and_resume_loses_nothing(
    server_factory, alice
):
    events = [task_event(alice.id, title=f"#{n}") for n in range(8)]
    async with server_factory(notify_frames_per_second=1, notify_max_pending=3) as server:
        async with open_stream(server, headers=alice.headers) as sse:
            await deliver(server, events[0])
            first = await sse.next()
            for event in events[1:]:  # 7 distinct tasks within one second: past the bound
                await deliver(server, event)
            with pytest.raises(EOFError):
                while True:
                    await sse.next()
        headers = {**alice.headers, "Last-Event-ID": first["id"]}
        async with open_stream(server, headers=headers) as sse:
            replayed = await sse.frames(7)
    assert [f["id"] for f in replayed] == [e["id"] for e in events[1:]]

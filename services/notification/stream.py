"""One SSE stream as a lean ASGI response: replay what the client missed, then live frames.

Written directly against ASGI rather than on sse-starlette: that costs four tasks and an
anyio task group per stream, this costs one coroutine plus one small task that watches for
the disconnect, which is what lets one process hold 10,000 streams (see docs/notifications.md).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import structlog
from starlette.types import Receive, Scope, Send

from services.notification import history, limits
from services.notification.frames import comment
from services.notification.hub import Connection, Hub
from services.notification.settings import NotificationSettings

log = structlog.get_logger("taskflow.notification")
HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),
]
_OPENING = b"retry: 3000\n\n" + comment("connected")


async def _until_disconnect(receive: Receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


class EventStream:
    """The ASGI response of `GET /api/v1/notifications/stream` for one held slot."""

    __slots__ = ("connection", "hub", "redis", "resume_after", "settings")

    def __init__(
        self,
        *,
        hub: Hub,
        connection: Connection,
        redis: Any,
        settings: NotificationSettings,
        resume_after: str | None,
    ) -> None:
        self.hub = hub
        self.connection = connection
        self.redis = redis
        self.settings = settings
        self.resume_after = resume_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        connection = self.connection
        connection.task = asyncio.current_task()
        watcher = asyncio.ensure_future(_until_disconnect(receive))
        watcher.add_done_callback(lambda _: connection.close("disconnected"))
        # Joined before the replay is read: whatever is recorded after that read arrives
        # live, and `last_sid` drops what both the replay and the live queue hold.
        self.hub.add(connection)
        try:
            await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
            await self._write(send, _OPENING)
            if self.resume_after is not None:
                await self._replay(send)
            await self._pump(send)
            if connection.reason != "disconnected":
                await self._write(send, b"", more=False)
        except asyncio.CancelledError:
            if connection.reason != "stalled":
                raise
            # Evicted by the watchdog: end quietly; the server closes the socket.
            current = asyncio.current_task()
            if current is not None:
                current.uncancel()
            log.info("stream_evicted_stalled", user_id=connection.user_id)
        finally:
            connection.closed = True
            self.hub.remove(connection)
            watcher.cancel()
            with contextlib.suppress(Exception):
                await limits.release_slot(
                    self.redis, user_id=connection.user_id, slot_id=connection.slot_id
                )

    async def _write(self, send: Send, body: bytes, *, more: bool = True) -> None:
        """Send, with the start time on record for the stalled-stream watchdog."""
        connection = self.connection
        connection.sending_since = asyncio.get_running_loop().time()
        await send({"type": "http.response.body", "body": body, "more_body": more})
        connection.sending_since = 0.0

    async def _replay(self, send: Send) -> None:
        """Everything after the client's Last-Event-ID, in one burst (not rate limited)."""
        connection = self.connection
        frames = await history.replay(
            self.redis, user_id=connection.user_id, after=self.resume_after or "-"
        )
        if frames:
            connection.last_sid = frames[-1].sid
            for start in range(0, len(frames), 100):
                await self._write(send, b"".join(f.data for f in frames[start : start + 100]))

    async def _pump(self, send: Send) -> None:
        """Live frames at most `notify_frames_per_second`, the rest queued and coalesced."""
        connection = self.connection
        loop = asyncio.get_running_loop()
        interval = 1.0 / self.settings.notify_frames_per_second
        while not connection.closed:
            if connection.heartbeat_due:
                connection.heartbeat_due = False
                await self._write(send, comment())
                continue
            if connection.pending:
                wait = connection.next_send_at - loop.time()
                if wait > 0:
                    await connection.wait(wait)
                    continue
                frame = connection.pop()
                if frame is not None and frame.sid > connection.last_sid:
                    connection.last_sid = frame.sid
                    connection.next_send_at = loop.time() + interval
                    await self._write(send, frame.data)
                continue
            # Idle: wait inline (no extra coroutine) — most of 10,000 streams sit here.
            connection.waiter = loop.create_future()
            await connection.waiter
            connection.waiter = None

"""One SSE stream as a lean ASGI response: replay what the client missed, then live frames.

Written directly against ASGI rather than on sse-starlette (four tasks and an anyio task
group per stream). The response starts through the app's whole middleware stack (request
id, span, metrics, CORS headers), then the stream detaches from it (`backend.platform.detach`):
for the hours it stays open it holds only its task, waiting for the disconnect, and a
`Connection` that live frames are written through (connection.py) — which is what lets one
process hold 10,000 streams (see docs/notifications.md).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import structlog
from starlette.types import Receive, Scope, Send

from backend.platform.detach import detach
from services.notification import history, limits
from services.notification.connection import Connection
from services.notification.frames import comment
from services.notification.hub import Hub

log = structlog.get_logger("taskflow.notification")
HEADERS = [
    (b"content-type", b"text/event-stream; charset=utf-8"),
    (b"cache-control", b"no-store"),
    (b"x-accel-buffering", b"no"),
]
_OPENING = b"retry: 3000\n\n" + comment("connected")
_WAKE_REASONS = frozenset(
    {"overflow", "stalled", "resync", "shutdown", "failed", "expired", "signed_out"}
)


class EventStream:
    """The ASGI response of `GET /api/v1/notifications/stream` for one held slot. It owns the
    slot and the replica admission from here on, and gives both back when it ends."""

    __slots__ = ("connection", "hub", "redis", "resume_after")

    def __init__(
        self, *, hub: Hub, connection: Connection, redis: Any, resume_after: str | None
    ) -> None:
        self.hub = hub
        self.connection = connection
        self.redis = redis
        self.resume_after = resume_after

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
        except BaseException:
            await self._release()
            raise
        if not detach(scope, self.serve):
            await self.serve(receive, send)

    async def serve(self, receive: Receive, send: Send) -> None:
        """The stream's life, on the server's own receive/send."""
        connection = self.connection
        connection.task = asyncio.current_task()
        # Joined before the replay is read: whatever is recorded after that read queues
        # meanwhile, and `last_sid` drops what both the replay and the queue hold.
        self.hub.add(connection)
        try:
            await self._write(send, _OPENING)
            if self.resume_after is not None:
                await self._replay(send)
            connection.go_live(send)
            await self._until_closed(receive)
            if connection.reason not in ("disconnected", "failed"):
                if connection.flusher is not None:
                    await connection.flusher
                await self._write(send, b"", more=False)
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if connection.reason not in _WAKE_REASONS or task is None or task.uncancel():
                raise
            # Evicted by the watchdog, or a write failed: end quietly; the server closes
            # the socket.
            log.info("stream_ended", user_id=connection.user_id, reason=connection.reason)
        finally:
            connection.close("disconnected")  # no-op when it already has a reason
            if connection.flusher is not None:
                connection.flusher.cancel()
            self.hub.remove(connection)
            await self._release()

    async def _until_closed(self, receive: Receive) -> None:
        """Wait for the client to go, or for `close` (which cancels the wait: taken back here
        unless the stream was stalled or its write failed, which end without a last word)."""
        connection = self.connection
        while not connection.closed:
            connection.parked = True
            try:
                message = await receive()
            except asyncio.CancelledError:
                connection.parked = False
                task = asyncio.current_task()
                if connection.reason in ("stalled", "failed") or task is None or task.uncancel():
                    raise
                return
            connection.parked = False
            if message["type"] == "http.disconnect":
                connection.close("disconnected")

    async def _release(self) -> None:
        self.hub.release()
        connection = self.connection
        with contextlib.suppress(Exception):
            await limits.release_slot(
                self.redis, user_id=connection.user_id, slot_id=connection.slot_id
            )

    async def _write(self, send: Send, body: bytes, *, more: bool = True) -> None:
        """Send from the stream's task, with the start time on record for the watchdog."""
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

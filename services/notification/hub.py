"""This process's live streams, and the fan-out of each frame to its user's streams.

A stream is a `Connection`: a small object with a bounded, coalescing queue. Idle streams
hold no queue and no timer; one process-wide loop sends heartbeats, refreshes slots and
evicts streams whose writes have blocked too long (see service.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from services.notification.frames import Frame

OPENING_AT_ONCE = 16


class Connection:
    __slots__ = (
        "beat",
        "closed",
        "heartbeat_due",
        "last_sid",
        "max_pending",
        "next_send_at",
        "pending",
        "reason",
        "sending_since",
        "slot_id",
        "task",
        "user_id",
        "waiter",
    )

    def __init__(self, *, user_id: str, slot_id: str, max_pending: int) -> None:
        self.user_id = user_id
        self.slot_id = slot_id
        self.max_pending = max_pending
        self.pending: dict[str, Frame] | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.last_sid: tuple[int, int] = (0, 0)
        self.next_send_at = 0.0
        self.sending_since = 0.0
        self.heartbeat_due = False
        self.beat = 0
        """Which heartbeat slice the stream belongs to (heartbeats are staggered)."""
        self.closed = False
        self.reason = ""
        """Why the stream ended: "disconnected", "overflow", "stalled", "resync", "shutdown"."""
        self.task: asyncio.Task[None] | None = asyncio.current_task()

    def push(self, frame: Frame) -> None:
        """Queue a frame; a queued frame of the same key is replaced by this newer one."""
        if self.closed:
            return
        if self.pending is None:
            self.pending = {}
        else:
            # Re-inserting moves the key to the end: frames leave in history order, so a
            # client's Last-Event-ID never skips over a frame it has not received.
            self.pending.pop(frame.key, None)
        if len(self.pending) >= self.max_pending:
            # Bounded: rather than drop frames, end the stream; its client reconnects with
            # Last-Event-ID and replays them from the history.
            self.close("overflow")
            return
        self.pending[frame.key] = frame
        self.wake()

    def pop(self) -> Frame | None:
        """The oldest queued frame, or None."""
        if not self.pending:
            return None
        key = next(iter(self.pending))
        frame = self.pending.pop(key)
        if not self.pending:
            self.pending = None
        return frame

    def wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def close(self, reason: str) -> None:
        if not self.closed:
            self.closed = True
            self.reason = reason
        self.wake()

    async def wait(self, seconds: float | None = None) -> None:
        """Until something is queued, the stream is closed, or `seconds` pass."""
        loop = asyncio.get_running_loop()
        self.waiter = loop.create_future()
        handle = loop.call_later(seconds, self.wake) if seconds is not None else None
        try:
            await self.waiter
        finally:
            self.waiter = None
            if handle is not None:
                handle.cancel()


class Hub:
    """Routes each frame to the streams of its user in this process."""

    def __init__(self) -> None:
        self.users: dict[str, set[Connection]] = {}
        self.ready = asyncio.Event()
        """Set once the fan-out reader knows its start position (streams wait for it)."""
        self.added = 0
        self.opening = asyncio.Semaphore(OPENING_AT_ONCE)
        """Bounds streams being opened at once, so a reconnect storm queues here instead of
        exhausting the shared Redis connection pool (which fails fast, not waits)."""

    def add(self, connection: Connection) -> None:
        self.added += 1
        connection.beat = self.added
        self.users.setdefault(connection.user_id, set()).add(connection)

    def remove(self, connection: Connection) -> None:
        streams = self.users.get(connection.user_id)
        if streams is not None:
            streams.discard(connection)
            if not streams:
                del self.users[connection.user_id]

    def deliver(self, user_id: str, frame: Frame) -> int:
        """Queue the frame on every local stream of `user_id`; how many there were."""
        streams = self.users.get(user_id)
        if not streams:
            return 0
        for connection in tuple(streams):
            connection.push(frame)
        return len(streams)

    def connections(self) -> Iterator[Connection]:
        for streams in self.users.values():
            yield from streams

    def __len__(self) -> int:
        return sum(len(streams) for streams in self.users.values())

    def close_all(self, reason: str) -> None:
        """End every stream (their clients reconnect, with Last-Event-ID, elsewhere)."""
        for connection in tuple(self.connections()):
            connection.close(reason)

    def heartbeat(self, *, tick: int, slices: int) -> None:
        """Ask one slice of the streams to send a heartbeat comment: called every tick, so
        each stream beats once per `slices` ticks and 10,000 streams never write at once."""
        for connection in self.connections():
            if connection.beat % slices == tick % slices:
                connection.heartbeat_due = True
                connection.wake()

    def evict_stalled(self, *, now: float, timeout: float) -> int:
        """Cancel streams whose current write started more than `timeout` seconds ago."""
        evicted = 0
        for connection in tuple(self.connections()):
            started = connection.sending_since
            if started and now - started > timeout and not connection.closed:
                connection.close("stalled")
                if connection.task is not None:
                    connection.task.cancel()
                evicted += 1
        return evicted


_hubs: dict[int, Hub] = {}


def hub_for(runtime: object) -> Hub:
    """The hub of this runtime (one per app/process)."""
    hub = _hubs.get(id(runtime))
    if hub is None:
        hub = _hubs[id(runtime)] = Hub()
    return hub


def drop_hub(runtime: object) -> None:
    _hubs.pop(id(runtime), None)

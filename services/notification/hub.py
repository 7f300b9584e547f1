"""This process's live streams, and the fan-out of each frame to its user's streams.

A stream is a `Connection` (connection.py), which writes a frame at once when it can and
otherwise queues it, bounded and coalesced. Idle streams hold no queue, timer or task; one
process-wide loop sends heartbeats, refreshes slots and evicts streams whose writes have
blocked too long (see workers.py).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

from backend.platform.runtime import Runtime
from services.notification.connection import Connection
from services.notification.frames import Frame
from services.notification.settings import notification_settings

OPENING_AT_ONCE = 16
DEFAULT_MAX_STREAMS = 10_000


class Hub:
    """Routes each frame to the streams of its user in this process."""

    def __init__(self, *, max_streams: int = DEFAULT_MAX_STREAMS) -> None:
        self.users: dict[str, set[Connection]] = {}
        self.ready = asyncio.Event()
        """Set once the fan-out reader knows its start position (streams wait for it)."""
        self.added = 0
        self.opening = asyncio.Semaphore(OPENING_AT_ONCE)
        """Bounds streams being opened at once, so a reconnect storm queues here instead of
        exhausting the shared Redis connection pool (which fails fast, not waits)."""
        self.max_streams = max_streams
        """This replica's cap on open streams (NOTIFY_MAX_CONNECTIONS)."""
        self.admitted = 0
        """Streams admitted under the cap and not ended yet, those still opening included."""

    def admit(self) -> bool:
        """Count one more stream against the cap; False when the replica is full."""
        if self.admitted >= self.max_streams:
            return False
        self.admitted += 1
        return True

    def release(self) -> None:
        """An admitted stream ended (or was refused after admission)."""
        self.admitted -= 1

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
        """Hand the frame to every local stream of `user_id`; how many there were."""
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

    def slice(self, *, tick: int, slices: int) -> list[Connection]:
        """The streams whose turn it is at `tick` of a round of `slices` ticks: each stream's
        turn comes once a round, and the streams are spread evenly over the round."""
        slice_ = tick % slices
        return [c for c in self.connections() if c.beat % slices == slice_]

    def heartbeat(self, *, tick: int, slices: int) -> None:
        """Ask one slice of the streams to send a heartbeat comment: called every tick, so
        each stream beats once per `slices` ticks and 10,000 streams never write at once."""
        for connection in self.slice(tick=tick, slices=slices):
            connection.heartbeat()

    def evict_stalled(self, *, now: float, timeout: float) -> int:
        """Cancel streams whose current write started more than `timeout` seconds ago."""
        evicted = 0
        for connection in tuple(self.connections()):
            started = connection.sending_since
            if started and now - started > timeout and connection.reason != "stalled":
                connection.evict()
                evicted += 1
        return evicted


_hubs: dict[int, Hub] = {}


def hub_for(runtime: Runtime) -> Hub:
    """The hub of this runtime (one per app/process)."""
    hub = _hubs.get(id(runtime))
    if hub is None:
        limit = notification_settings(runtime).notify_max_connections
        hub = _hubs[id(runtime)] = Hub(max_streams=limit)
    return hub


def live_hubs() -> list[Hub]:
    """Every hub of this process (one, except in tests that run several apps)."""
    return list(_hubs.values())


def drop_hub(runtime: object) -> None:
    _hubs.pop(id(runtime), None)

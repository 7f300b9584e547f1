"""One live stream's writer: frames go straight to the stream's `send`, with no task per frame.

A stream that is idle and under its rate limit writes a frame the moment the fan-out hands
it over (in the fan-out's own tick): straight to the socket where that is all `send` would do
(chunks.py), else `send(message)` is started right there, and with a client that keeps
reading it completes at once (the server's send only waits while the socket's buffer is
full). Otherwise frames queue, coalesced per key, and go out when the
rate allows (one timer per busy stream) or when the pending send finishes (one task per
slow client, only while it is slow). An idle stream holds no queue, timer, task or future.

The stream's own task (the ASGI request's) meanwhile waits in `receive()` for the client to
disconnect; when the stream has to end for another reason (overflow, resync, shutdown,
stalled), `close` cancels that wait, and the stream ends as stream.py says.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import structlog
from starlette.types import Message, Send

from backend.platform.auth import Principal
from services.notification.chunks import ChunkWriter, chunk_writer
from services.notification.frames import Frame

log = structlog.get_logger("taskflow.notification")


async def _finish(send: Coroutine[Any, Any, None], waiting_on: Any) -> None:
    """Drive to its end a `send` coroutine whose first steps ran outside any task and stopped
    to wait on the future `waiting_on` (what a task does with each step's yielded future)."""
    try:
        while True:
            try:
                await (asyncio.sleep(0) if waiting_on is None else waiting_on)
            except asyncio.CancelledError:
                raise
            except Exception:
                pass  # the send sees the future's outcome itself when resumed
            waiting_on = send.send(None)
    except StopIteration:
        return
    finally:
        send.close()  # a no-op once finished; abandons the write when cancelled (evicted)


class Connection:
    __slots__ = (
        "beat",
        "closed",
        "flusher",
        "interval",
        "last_sid",
        "live",
        "max_pending",
        "next_send_at",
        "parked",
        "pending",
        "principal",
        "reason",
        "send",
        "sending_since",
        "slot_id",
        "task",
        "timer",
        "user_id",
        "writer",
    )

    def __init__(
        self,
        *,
        principal: Principal,
        slot_id: str,
        max_pending: int,
        frames_per_second: float,
    ) -> None:
        self.principal = principal
        """The sign-in or token the stream was opened with: rechecked while it lasts."""
        self.user_id = str(principal.user_id)
        """The hub's key for the stream (the fan-out looks streams up by it)."""
        self.slot_id = slot_id
        self.max_pending = max_pending
        self.interval = 1.0 / frames_per_second
        self.pending: dict[str, Frame] | None = None
        """Frames waiting for their turn, by coalescing key (None when there are none)."""
        self.last_sid: tuple[int, int] = (0, 0)
        self.next_send_at = 0.0
        self.sending_since = 0.0
        """When the write in progress started (0.0: none); the stalled-stream watchdog's clock."""
        self.send: Send | None = None
        """The server's send, once the stream is live (after its replay)."""
        self.writer: ChunkWriter | None = None
        """Writes a frame straight to the socket when that is what `send` would do (chunks.py)."""
        self.live = False
        self.flusher: asyncio.Task[None] | None = None
        """The rest of a write the client was too slow to take at once."""
        self.timer: asyncio.TimerHandle | None = None
        self.parked = False
        """Whether the stream's task is waiting for the disconnect (and may be woken)."""
        self.beat = 0
        """Which heartbeat slice the stream belongs to (heartbeats are staggered)."""
        self.closed = False
        self.reason = ""
        """Why the stream ended: "disconnected", "overflow", "stalled", "resync", "shutdown",
        "failed", "expired", "signed_out"."""
        self.task: asyncio.Task[Any] | None = None

    # -- frames in

    def push(self, frame: Frame) -> None:
        """Send the frame now if the stream is idle and under its rate, else queue it; a queued
        frame of the same key is replaced by this newer one."""
        if self.closed:
            return
        if self.pending is None:
            if self._ready(asyncio.get_running_loop().time()):
                self._send_frame(frame)
                return
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
        self._schedule()

    def heartbeat(self) -> None:
        """A comment, if the stream is idle (a busy stream is not silent anyway)."""
        if self.live and not self.closed and self.flusher is None and not self.pending:
            self._write(b":\n\n")

    def go_live(self, send: Send) -> None:
        """The replay is written: from now on frames go to `send` (queued ones first)."""
        self.send = send
        self.writer = chunk_writer(send)
        self.live = True
        self.flush()

    def flush(self) -> None:
        """Send queued frames the rate allows now; the rest wait for a timer."""
        self.timer = None
        loop = asyncio.get_running_loop()
        while self.pending and not self.closed and self._ready(loop.time()):
            self._send_frame(self._pop())
        self._schedule()

    # -- frames out

    def _ready(self, now: float) -> bool:
        return self.live and self.flusher is None and now >= self.next_send_at

    def _pop(self) -> Frame:
        assert self.pending
        frame = self.pending.pop(next(iter(self.pending)))
        if not self.pending:
            self.pending = None
        return frame

    def _schedule(self) -> None:
        if self.pending and self.live and self.timer is None and self.flusher is None:
            loop = asyncio.get_running_loop()
            self.timer = loop.call_at(self.next_send_at, self.flush)

    def _send_frame(self, frame: Frame) -> None:
        if frame.sid <= self.last_sid:  # already sent by the replay
            return
        self.last_sid = frame.sid
        self.next_send_at = asyncio.get_running_loop().time() + self.interval
        self._write(frame.data)

    def _write(self, body: bytes) -> None:
        """Start `send` of one body message here and now; if it has to wait for the client,
        a task finishes it (and sends what queued meanwhile)."""
        writer = self.writer
        if writer is not None and writer.write(body):
            return
        assert self.send is not None
        message: Message = {"type": "http.response.body", "body": body, "more_body": True}
        sending = self.send(message)
        try:
            waiting_on = sending.send(None)
        except StopIteration:
            return
        except Exception:
            log.exception("stream_write_failed", user_id=self.user_id)
            self.close("failed")
            return
        self.sending_since = asyncio.get_running_loop().time()
        self.flusher = asyncio.ensure_future(_finish(sending, waiting_on))  # type: ignore[arg-type]
        self.flusher.add_done_callback(self._sent)

    def _sent(self, flusher: asyncio.Task[None]) -> None:
        self.flusher = None
        self.sending_since = 0.0
        if flusher.cancelled():
            return
        if flusher.exception() is not None:
            log.error("stream_write_failed", user_id=self.user_id, error=repr(flusher.exception()))
            self.close("failed")
            return
        self.flush()

    # -- the end

    def close(self, reason: str) -> None:
        """End the stream (the first reason stays): its task stops waiting and ends it."""
        if self.closed:
            return
        self.closed = True
        self.reason = reason
        self._cancel_timer()
        if self.parked:
            self._cancel_task()

    def evict(self) -> None:
        """The client stopped reading: abandon the write in progress and end the stream now,
        even one already ending (its last write may be the one blocked)."""
        self.closed = True
        self.reason = "stalled"
        self._cancel_timer()
        if self.flusher is not None:
            self.flusher.cancel()
        self._cancel_task()

    def _cancel_timer(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _cancel_task(self) -> None:
        task = self.task
        if task is not None and task is not asyncio.current_task():
            task.cancel()

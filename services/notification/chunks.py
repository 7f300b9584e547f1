"""Body chunks written straight to a stream's socket, where that is exactly what `send` does.

A fan-out writes one frame to thousands of sockets in one tick. Through uvicorn's ASGI `send`
each write also costs a coroutine, a message dict and the protocol's checks around the one
`transport.write` that matters: a few µs a frame, 30-40 ms of a 10,000-stream fan-out's p99 on
the 2-core dev machine (docs/notifications.md), where the write itself is 9-14 µs (mostly the
kernel's loopback work).

`ChunkWriter` does that write itself, only where it is equivalent to `send`: uvicorn's
httptools protocol (what `taskflow serve` runs), a started response in chunked encoding, not
finished, the client still there and uvicorn's flow control not paused. Otherwise `write`
returns False and the caller uses `send` — which, while a client is not reading, waits for
the socket to drain (how a stalled stream is noticed and evicted) or drops the write once the
peer is gone, as before. With another server (h11, hypercorn, tests' ASGI transports)
`chunk_writer` returns None and every frame goes through `send`.
"""

from __future__ import annotations

from typing import Any

from starlette.types import Send

try:  # uvicorn's httptools protocol is optional (it needs the httptools package)
    from uvicorn.protocols.http.httptools_impl import RequestResponseCycle
except ImportError:  # pragma: no cover - uvicorn[standard] is a dependency
    RequestResponseCycle = None


class ChunkWriter:
    """Writes HTTP/1.1 body chunks of one started response to its transport."""

    __slots__ = ("_cycle", "_flow", "_transport")

    def __init__(self, cycle: Any) -> None:
        self._cycle = cycle
        self._flow = cycle.flow
        self._transport = cycle.transport

    def write(self, body: bytes) -> bool:
        """Write `body` as one chunk now, as `send` would; False when `send` must do it."""
        cycle = self._cycle
        if cycle.disconnected or cycle.response_complete or self._flow.write_paused:
            return False
        self._transport.write(b"%x\r\n%b\r\n" % (len(body), body))
        return True


def chunk_writer(send: Send) -> ChunkWriter | None:
    """A writer for the response `send` belongs to, when writing its chunks directly is
    equivalent to sending them (see the module's docstring); None otherwise."""
    cycle = getattr(send, "__self__", None)
    if RequestResponseCycle is None or type(cycle) is not RequestResponseCycle:
        return None
    if not cycle.response_started or cycle.chunked_encoding is not True:
        return None
    if cycle.response_complete or cycle.scope.get("method") == "HEAD":
        return None
    return ChunkWriter(cycle)

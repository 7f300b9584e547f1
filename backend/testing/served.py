"""An ASGI app served by uvicorn on a loopback port from a thread of its own, with its own event
loop — so it keeps answering while the test's thread blocks (a sync fixture waiting for a
sidecar that is itself waiting for this app); `serving` serves one inside the current loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections.abc import AsyncIterator, Coroutine
from typing import Any, TypeVar

import uvicorn

from backend.topology.ports import free_port

T = TypeVar("T")


class ServedApp:
    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        self._server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._server.serve())

    def start(self, timeout: float = 10.0) -> ServedApp:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the test app did not start on port {self.port}")
            time.sleep(0.01)
        return self

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 60.0) -> T:
        """Run `coroutine` on the app's loop (objects bound to that loop live there)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(15)

    def __enter__(self) -> ServedApp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.asynccontextmanager
async def serving(app: Any, *, lifespan: str = "auto") -> AsyncIterator[str]:
    """Serve `app` on a free loopback port inside the current event loop; yields its URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan)
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()  # raises the server's start-up error
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task

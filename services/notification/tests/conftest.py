"""Real notification servers (uvicorn on free ports) and an SSE client for them.

httpx's ASGITransport buffers a streaming response, so streams are read from a real server.
The servers run in Dapr mode, as `taskflow serve notification` does: events arrive by POST
to their Dapr routes, exactly as the sidecar delivers them, or by calling the handler.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import uvicorn

from backend.app import create_app, load_services
from backend.platform.events.cloudevent import make_cloudevent
from backend.testing.fixtures import APP_TOKEN, DAPR_DELIVERY, TEST_SECRET
from services.notification.settings import NotificationSettings

STREAM = "/api/v1/notifications/stream"
TASK_ROUTE = "/events/notification/task-events"


def notify_settings(database_url: str, redis_url: str, **overrides: Any) -> NotificationSettings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "redis_url": redis_url,
        "jwt_secret": TEST_SECRET,
        "app_api_token": APP_TOKEN,
        "log_level": "WARNING",
        "event_transport": "dapr",
        "notify_heartbeat_seconds": 30,
        **overrides,
    }
    return NotificationSettings(_env_file=None, **values)


@dataclass
class Server:
    port: int
    app: Any

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime


@contextlib.asynccontextmanager
async def run_server(settings: NotificationSettings) -> AsyncIterator[Server]:
    """A notification service on a free port, in this event loop."""
    app = create_app(settings, load_services(["notification"]), name="notification")
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(15):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Server(port, app)
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 15)


@pytest.fixture
async def notify_server(database_url: str, redis_url: str) -> AsyncIterator[Server]:
    async with run_server(notify_settings(database_url, redis_url)) as server:
        yield server


@pytest.fixture
def server_factory(
    database_url: str, redis_url: str
) -> Callable[..., contextlib.AbstractAsyncContextManager[Server]]:
    def factory(**overrides: Any) -> contextlib.AbstractAsyncContextManager[Server]:
        return run_server(notify_settings(database_url, redis_url, **overrides))

    return factory


@dataclass
class SSE:
    """An open stream: `next()` gives the next frame as {id, event, data} (comments too)."""

    response: httpx.Response
    lines: AsyncIterator[str]
    comments: list[str] = field(default_factory=list)

    async def next(self, timeout: float = 5.0, *, comments: bool = False) -> dict[str, Any]:
        frame: dict[str, Any] = {}
        async with asyncio.timeout(timeout):
            async for line in self.lines:
                if line.startswith(":"):
                    self.comments.append(line)
                    if comments:
                        return {"comment": line[1:]}
                elif line.startswith("retry:"):
                    continue
                elif line == "":
                    if frame:
                        return frame
                else:
                    name, _, value = line.partition(": ")
                    frame[name] = json.loads(value) if name == "data" else value
        raise EOFError("the stream ended")

    async def frames(self, count: int, timeout: float = 5.0) -> list[dict[str, Any]]:
        return [await self.next(timeout) for _ in range(count)]

    async def silent(self, seconds: float) -> bool:
        """True if no frame arrives within `seconds`."""
        try:
            frame = await self.next(seconds)
        except TimeoutError:
            return True
        raise AssertionError(f"unexpected frame {frame}")


@contextlib.asynccontextmanager
async def open_stream(
    server: Server, *, headers: dict[str, str] | None = None, params: dict[str, str] | None = None
) -> AsyncIterator[SSE]:
    """GET the stream; for a 200 it yields once the server has registered it."""
    async with (
        httpx.AsyncClient(base_url=server.url, timeout=10) as client,
        client.stream("GET", STREAM, headers=headers, params=params) as response,
    ):
        if response.status_code != 200:
            await response.aread()
            yield SSE(response, _nothing())
            return
        sse = SSE(response, response.aiter_lines())
        await sse.next(comments=True)  # ":connected" — the stream is registered
        yield sse


async def _nothing() -> AsyncIterator[str]:
    return
    yield


def task_event(
    user_id: str,
    *,
    task_id: str | None = None,
    version: int = 1,
    type: str = "com.taskflow.task.updated",
    title: str = "Buy milk",
) -> dict[str, Any]:
    """A task event shaped as the api emits it (events.md)."""
    task_id = task_id or str(uuid.uuid4())
    return make_cloudevent(
        type=type,
        source="taskflow/api",
        subject=task_id,
        data={
            "user_id": user_id,
            "task": {"id": task_id, "title": title, "version": version},
            "version": version,
            "changes": {"title": ["old", title]},
            "actor": {"kind": "user", "id": user_id},
        },
    )


async def deliver(server: Server, event: dict[str, Any], route: str = TASK_ROUTE) -> str:
    """POST the event to the server's Dapr route, as the sidecar does; Dapr's status."""
    async with httpx.AsyncClient(base_url=server.url) as client:
        response = await client.post(
            route,
            content=json.dumps(event),
            headers=DAPR_DELIVERY,
        )
    assert response.status_code == 200, response.text
    return response.json()["status"]


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}

"""Embedded mode: api and notification in one process, events through the local transport."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import pytest
import uvicorn

from backend.app import create_app, load_services
from backend.testing import servers
from backend.testing.fixtures import make_settings
from services.notification.tests.conftest import STREAM


@pytest.mark.slow
async def test_a_task_created_through_the_api_reaches_the_stream(redis_url):
    # A database of its own: another test app's relay must not publish these outbox rows
    # to subscribers it does not have.
    stack = contextlib.ExitStack()
    database_url = await asyncio.to_thread(stack.enter_context, servers.test_database())
    app = create_app(make_settings(database_url, redis_url), load_services(["api", "notification"]))
    config = uvicorn.Config(
        app, host="127.0.0.1", port=0, log_level="warning", timeout_graceful_shutdown=2
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    try:
        async with asyncio.timeout(15):
            while not server.started:
                await asyncio.sleep(0.02)
        url = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
        async with httpx.AsyncClient(base_url=url, timeout=10) as api:
            body = {"email": "e@example.com", "password": "correct horse battery", "name": "E"}
            token = (await api.post("/api/v1/auth/signup", json=body)).json()["access_token"]
            api.cookies.clear()
            headers = {"Authorization": f"Bearer {token}"}
            async with (
                httpx.AsyncClient(base_url=url, timeout=10) as browser,
                browser.stream("GET", STREAM, headers=headers) as stream,
            ):
                lines = stream.aiter_lines()
                assert await anext(lines) == "retry: 3000"
                created = await api.post("/api/v1/tasks", json={"title": "Live"}, headers=headers)
                assert created.status_code == 201
                async with asyncio.timeout(10):
                    frame = [line async for line in _until_blank_after_data(lines)]
        assert f"id: {_event_id(frame)}" in frame
        assert "event: com.taskflow.task.created" in frame
        assert any(line.startswith("data: ") and '"title":"Live"' in line for line in frame)
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 15)
        await asyncio.to_thread(stack.close)


async def _until_blank_after_data(lines):
    frame_started = False
    async for line in lines:
        if line.startswith("id: "):
            frame_started = True
        if frame_started:
            if line == "":
                return
            yield line


def _event_id(frame: list[str]) -> str:
    return next(line[4:] for line in frame if line.startswith("id: "))

"""Fixtures for the event backbone tests: an app with the api and the probe subscriber."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import asyncpg
import httpx
import pytest

from backend.app import create_app, load_services
from backend.testing.fixtures import make_settings
from backend.testing.servers import test_database
from backend.tests.events import probe


async def eventually(check: Callable[[], Awaitable[Any]], *, timeout: float = 15.0) -> Any:
    """The first truthy result of `check`, polling until `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.05)


@pytest.fixture(scope="session")
def events_database_url() -> Iterator[str]:
    """A database of their own: the session-wide api app's relay must not take these events."""
    with test_database() as url:
        asyncio.run(_create_probe_schema(url))
        yield url


async def _create_probe_schema(url: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        for statement in probe.SCHEMA:
            await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
async def edb(events_database_url: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(events_database_url)
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
async def local_app(events_database_url: str, redis_url: str) -> AsyncIterator[Any]:
    probe.knobs.__init__()
    settings = make_settings(events_database_url, redis_url)
    application = create_app(settings, [*load_services(["api"]), probe.spec()], name="api+probe")
    async with application.router.lifespan_context(application):
        for worker in application.state.runtime.events.workers:
            worker.base_backoff = 0.05  # retries within the test's patience
        yield application


@pytest.fixture
async def local_client(local_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=local_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c

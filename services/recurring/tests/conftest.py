"""Fixtures of the recurring tests: an embedded-mode app (api + recurring, events in-process)
on a database of its own, so no other test's relay hands its events to other subscribers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import httpx
import pytest

from backend.app import create_app, load_services
from backend.platform.settings import Settings
from backend.testing.fixtures import make_settings
from backend.testing.servers import test_database


@pytest.fixture(scope="session")
def recurring_database_url() -> Iterator[str]:
    with test_database() as url:
        yield url


@pytest.fixture
def rsettings(recurring_database_url: str, redis_url: str) -> Settings:
    return make_settings(recurring_database_url, redis_url)


@pytest.fixture
async def rdb(recurring_database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A raw connection to the recurring tests' database."""
    connection = await asyncpg.connect(recurring_database_url)
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
async def recurring_app(rsettings: Settings) -> AsyncIterator[Any]:
    application = create_app(rsettings, load_services(["api", "recurring"]), name="api+recurring")
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def rclient(recurring_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=recurring_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client

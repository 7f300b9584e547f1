"""An app with the api and the recurring service, events flowing in-process."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from backend.app import create_app, load_services
from backend.testing.fixtures import make_settings


@pytest.fixture
async def recurring_app(database_url: str, redis_url: str) -> AsyncIterator[Any]:
    settings = make_settings(database_url, redis_url)
    application = create_app(settings, load_services(["api", "recurring"]), name="api+recurring")
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def rclient(recurring_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=recurring_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client

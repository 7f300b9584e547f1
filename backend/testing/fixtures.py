"""Pytest fixtures every TaskFlow test suite shares (loaded by the root conftest.py):
real PostgreSQL and Redis, an ASGI client on the app, and account factories."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import httpx
import pytest

from backend.app import create_app, load_services
from backend.platform.redis import make_redis
from backend.platform.settings import Settings
from backend.testing.servers import test_database, test_redis_url

TEST_SECRET = "test-secret-" + "x" * 40
AUDIT_KEY = "audit-chain-key-" + "z" * 40
APP_TOKEN = "dapr-app-token-" + "w" * 40
DAPR_DELIVERY = {"content-type": "application/cloudevents+json", "dapr-api-token": APP_TOKEN}
"""The headers of a delivery as the Dapr sidecar sends it (app token included)."""


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh, migrated database of its own for this test session."""
    with test_database() as url:
        yield url


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    with test_redis_url() as url:
        yield url


def make_settings(database_url: str, redis_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "redis_url": redis_url,
        "jwt_secret": TEST_SECRET,
        "internal_secret": "internal-" + "y" * 40,
        "audit_chain_key": AUDIT_KEY,
        "app_api_token": APP_TOKEN,
        "log_level": "WARNING",
        "anthropic_api_key": None,  # never a real key: the chat tests replay recordings
        # Every test signs up its own accounts from one client address (backend/tests/
        # test_throttling.py runs an app with the shipped limits).
        "signups_per_address_per_hour": 1_000_000,
        "login_failures_per_address": 1_000_000,
        **overrides,
    }
    return Settings(_env_file=None, **values)


@pytest.fixture(scope="session")
def settings(database_url: str, redis_url: str) -> Settings:
    return make_settings(database_url, redis_url)


@pytest.fixture(scope="session")
async def app(settings: Settings) -> AsyncIterator[Any]:
    application = create_app(settings, load_services(["api"]), name="api")
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[asyncpg.Connection]:
    """A raw connection for asserting what is really stored."""
    connection = await asyncpg.connect(database_url)
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
async def redis(redis_url: str) -> AsyncIterator[Any]:
    client = make_redis(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


@dataclass
class Account:
    id: str
    email: str
    password: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def signup(client: httpx.AsyncClient, **fields: Any) -> Account:
    email = fields.pop("email", f"user-{uuid.uuid4().hex[:12]}@example.com")
    password = fields.pop("password", "correct horse battery")
    body = {"email": email, "password": password, "name": "Test User", **fields}
    response = await client.post("/api/v1/auth/signup", json=body)
    assert response.status_code == 201, response.text
    data = response.json()
    client.cookies.clear()
    return Account(data["user"]["id"], email, password, data["access_token"])


@pytest.fixture
async def alice(client: httpx.AsyncClient) -> Account:
    return await signup(client)


@pytest.fixture
async def bob(client: httpx.AsyncClient) -> Account:
    return await signup(client)

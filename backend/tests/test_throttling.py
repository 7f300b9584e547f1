"""Sign-in and sign-up limits with the shipped settings, under parallel requests: attempts are
counted atomically before the slow hash, attackers are slowed per address and per account,
and the owner still signs in from their own address."""

from __future__ import annotations

import asyncio
import secrets
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from backend.app import create_app, load_services
from backend.platform.settings import Settings
from backend.testing.fixtures import make_settings

PASSWORD = "correct horse battery"
SHIPPED = Settings(_env_file=None)
# The shipped limits, except the two wide ones made smaller: each counted failure costs a
# password hash (~0.1-0.7 s on a loaded 2-core machine), and reaching 50 would take a minute.
LIMITS = {
    "signups_per_address_per_hour": SHIPPED.signups_per_address_per_hour,
    "login_failures_per_account_address": SHIPPED.login_failures_per_account_address,
    "login_failures_per_address": 12,
    "login_failures_per_account": 8,
}


@pytest.fixture(scope="module")
async def shipped_app(database_url: str, redis_url: str) -> AsyncIterator[Any]:
    settings = make_settings(database_url, redis_url, **LIMITS)
    application = create_app(settings, load_services(["api"]), name="api")
    async with application.router.lifespan_context(application):
        yield application


def new_address() -> str:
    return f"10.{secrets.randbelow(256)}.{secrets.randbelow(256)}.{secrets.randbelow(256)}"


@pytest.fixture
async def client_from(shipped_app) -> AsyncIterator[Any]:
    """A client whose requests come from the given address."""
    clients: list[httpx.AsyncClient] = []

    def make(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=shipped_app, client=(address, 40000))
        clients.append(httpx.AsyncClient(transport=transport, base_url="http://testserver"))
        return clients[-1]

    yield make
    for client in clients:
        await client.aclose()


async def new_account(client_from) -> str:
    email = f"owner-{secrets.token_hex(6)}@example.com"
    created = await client_from(new_address()).post(
        "/api/v1/auth/signup", json={"email": email, "password": PASSWORD, "name": "Owner"}
    )
    assert created.status_code == 201, created.text
    return email


async def login(client: httpx.AsyncClient, email: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"email": email, "password": password})


async def test_forty_parallel_wrong_guesses_get_only_the_limit_checked(client_from):
    email = await new_account(client_from)
    attacker = client_from(new_address())
    answers = await asyncio.gather(*(login(attacker, email, f"guess-{i}") for i in range(40)))
    statuses = Counter(answer.status_code for answer in answers)
    limit = LIMITS["login_failures_per_account_address"]
    assert statuses == {401: limit, 429: 40 - limit}
    refused = next(a for a in answers if a.status_code == 429)
    assert refused.headers["content-type"] == "application/problem+json"
    assert 0 < int(refused.headers["retry-after"]) <= 15 * 60


async def test_the_owner_signs_in_from_their_address_while_an_attacker_is_slowed(client_from):
    email = await new_account(client_from)
    attacker, owner = client_from(new_address()), client_from(new_address())
    answers = await asyncio.gather(*(login(attacker, email, "wrong guess") for _ in range(12)))
    assert {a.status_code for a in answers} == {401, 429}
    assert (await login(attacker, email, PASSWORD)).status_code == 429
    assert (await login(owner, email, PASSWORD)).status_code == 200


async def test_many_addresses_on_one_account_are_slowed_but_a_known_address_gets_in(client_from):
    email = await new_account(client_from)
    home = client_from(new_address())
    assert (await login(home, email, PASSWORD)).status_code == 200
    limit = LIMITS["login_failures_per_account"]
    answers = await asyncio.gather(
        *(login(client_from(new_address()), email, "wrong guess") for _ in range(limit + 10))
    )
    assert Counter(a.status_code for a in answers) == {401: limit, 429: 10}
    assert (await login(client_from(new_address()), email, PASSWORD)).status_code == 429
    assert (await login(home, email, PASSWORD)).status_code == 200


async def test_one_address_trying_many_accounts_is_slowed(client_from):
    stuffer = client_from(new_address())
    limit = LIMITS["login_failures_per_address"]
    answers = await asyncio.gather(
        *(
            login(stuffer, f"victim-{secrets.token_hex(6)}@example.com", "pw123456")
            for _ in range(limit + 5)
        )
    )
    assert Counter(a.status_code for a in answers) == {401: limit, 429: 5}
    assert "network" in next(a for a in answers if a.status_code == 429).json()["detail"]


async def test_a_right_password_forgives_the_addresses_failures(client_from):
    email = await new_account(client_from)
    owner = client_from(new_address())
    limit = LIMITS["login_failures_per_account_address"]
    for _ in range(limit - 1):
        assert (await login(owner, email, "typo")).status_code == 401
    assert (await login(owner, email, PASSWORD)).status_code == 200
    for _ in range(limit - 1):
        assert (await login(owner, email, "typo")).status_code == 401
    assert (await login(owner, email, PASSWORD)).status_code == 200


async def test_sign_ups_are_limited_per_address(client_from):
    farm = client_from(new_address())
    limit = LIMITS["signups_per_address_per_hour"]

    async def signup(i: int) -> httpx.Response:
        body = {
            "email": f"farm-{secrets.token_hex(6)}@example.com",
            "password": PASSWORD,
            "name": "F",
        }
        return await farm.post("/api/v1/auth/signup", json=body)

    answers = await asyncio.gather(*(signup(i) for i in range(limit + 5)))
    assert Counter(a.status_code for a in answers) == {201: limit, 429: 5}
    refused = next(a for a in answers if a.status_code == 429)
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    assert (
        await client_from(new_address()).post(
            "/api/v1/auth/signup",
            json={
                "email": f"x-{secrets.token_hex(6)}@example.com",
                "password": PASSWORD,
                "name": "X",
            },
        )
    ).status_code == 201

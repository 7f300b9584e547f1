"""A real audit process SIGKILLed while events wait in its buffer: nothing it acknowledged is
lost, the unacknowledged events are delivered again, and each is stored exactly once."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import uuid

import asyncpg
import httpx
import pytest

from backend.app import api_service, create_app
from backend.testing import servers
from backend.testing.fixtures import AUDIT_KEY, TEST_SECRET, make_settings, signup
from services.audit.tests.conftest import eventually

pytestmark = pytest.mark.slow
SUBSCRIBER = "audit.task-events"


def start(port: int, database_url: str, redis_url: str, **audit: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "JWT_SECRET": TEST_SECRET,
        "AUDIT_CHAIN_KEY": AUDIT_KEY,
        "LOG_LEVEL": "WARNING",
        **audit,
    }
    return subprocess.Popen(
        [sys.executable, "-m", "services.audit.tests.crash_app", str(port)], env=env
    )


async def metric(client: httpx.AsyncClient, name: str) -> float | None:
    try:
        text = (await client.get("/metrics")).text
    except httpx.HTTPError:
        return None
    found = re.search(rf"^{name} ([0-9.e+]+)$", text, re.MULTILINE)
    return float(found.group(1)) if found else None


@pytest.fixture
def crash_database_url():
    with servers.test_database() as url:
        yield url


async def test_sigkill_before_the_flush_loses_nothing_and_stores_once(
    crash_database_url, redis_url
):
    # 25 committed task events wait in the outbox (an api process without a relay wrote them)
    app = create_app(make_settings(crash_database_url, redis_url), [api_service()], name="api")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://api") as api:
            alice = await signup(api)
            for i in range(25):
                created = await api.post(
                    "/api/v1/tasks", json={"title": f"t{i}"}, headers=alice.headers
                )
                assert created.status_code == 201
    db = await asyncpg.connect(crash_database_url)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"

    async def rows() -> int:
        return await db.fetchval(
            "SELECT count(*) FROM audit_events WHERE user_id = $1", uuid.UUID(alice.id)
        )

    # batches of exactly 10, no flush by time: 20 written, 5 buffered, none acknowledged (the delivery
    # worker acknowledges its claimed batch only after every handler in it answered)
    first = start(
        port,
        crash_database_url,
        redis_url,
        AUDIT_FLUSH_SIZE="10",
        AUDIT_MAX_BATCH="10",
        AUDIT_FLUSH_INTERVAL_SECONDS="60",
        AUDIT_FLUSH_IDLE_SECONDS="0",
    )
    try:
        async with httpx.AsyncClient(base_url=base, timeout=5) as client:

            async def five_waiting() -> bool:
                return (
                    await metric(client, "taskflow_audit_buffered_events") == 5
                    and await rows() == 20
                )

            assert await eventually(five_waiting, timeout=30), "expected 20 written and 5 waiting"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()

    try:
        assert await rows() == 20
        unacknowledged = await db.fetchval(
            "SELECT count(*) FROM event_deliveries WHERE subscriber = $1", SUBSCRIBER
        )
        assert unacknowledged == 25

        second = start(port, crash_database_url, redis_url)
        try:
            async with httpx.AsyncClient(base_url=base, timeout=5) as client:

                async def delivered() -> bool:
                    pending = await db.fetchval(
                        "SELECT count(*) FROM event_deliveries WHERE subscriber = $1", SUBSCRIBER
                    )
                    return pending == 0 and await rows() == 25

                assert await eventually(delivered, timeout=30), "redelivered events were not stored"
                assert await metric(client, "taskflow_audit_duplicates_total") == 20
                verify = await client.get("/api/v1/audit/verify", headers=alice.headers)
                assert verify.json() == {"ok": True, "checked": 25, "first_bad": None}
        finally:
            second.send_signal(signal.SIGTERM)
            second.wait(30)
        distinct = await db.fetchval(
            "SELECT count(DISTINCT event_id) FROM audit_events WHERE user_id = $1",
            uuid.UUID(alice.id),
        )
        assert distinct == 25
        dead = await db.fetchval(
            "SELECT count(*) FROM dead_letters WHERE subscriber = $1", SUBSCRIBER
        )
        assert dead == 0
    finally:
        await db.close()

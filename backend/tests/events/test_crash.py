"""A process SIGKILLed between commit and publish, then restarted: every committed event
reaches the subscriber, and each is applied exactly once."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time

import httpx
import pytest

from backend.testing.fixtures import TEST_SECRET
from backend.tests.events.conftest import eventually

pytestmark = pytest.mark.slow


def start(port: int, database_url: str, redis_url: str) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "JWT_SECRET": TEST_SECRET,
    }
    env["LOG_LEVEL"] = "WARNING"
    return subprocess.Popen(
        [sys.executable, "-m", "backend.tests.events.crash_app", str(port)], env=env
    )


async def wait_healthy(base: str) -> None:
    async with httpx.AsyncClient() as client:
        for _ in range(1200):  # up to 60 s: a loaded 2-core machine starts slowly
            try:
                if (await client.get(f"{base}/health")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.05)
    raise AssertionError("the process did not come up")


async def test_sigkill_between_commit_and_publish_loses_and_doubles_nothing(
    events_database_url, redis_url, edb
):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    first = start(port, events_database_url, redis_url)
    try:
        await wait_healthy(base)
        async with httpx.AsyncClient(base_url=base, timeout=10) as client:
            signup = await client.post(
                "/api/v1/auth/signup",
                json={
                    "email": f"crash-{time.time_ns()}@example.com",
                    "password": "long enough",
                    "name": "C",
                },
            )
            headers = {"Authorization": f"Bearer {signup.json()['access_token']}"}
            user_id = signup.json()["user"]["id"]
            created = 0
            for i in range(80):
                response = await client.post(
                    "/api/v1/tasks", json={"title": f"crash {i}"}, headers=headers
                )
                created += response.status_code == 201
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert created == 80
    pending = await edb.fetchval(
        "SELECT count(*) FROM outbox WHERE published_at IS NULL AND event->'data'->>'user_id' = $1",
        user_id,
    )
    assert pending > 0, "the kill should land while committed events wait to be published"

    second = start(port, events_database_url, redis_url)
    try:
        await wait_healthy(base)

        async def all_applied() -> bool:
            missing = await edb.fetchval(
                "SELECT count(*) FROM outbox o WHERE o.event->'data'->>'user_id' = $1 AND NOT EXISTS "
                "(SELECT 1 FROM probe_applied p WHERE p.event_id = o.event_id)",
                user_id,
            )
            return missing == 0

        assert await eventually(all_applied, timeout=60), "committed events were lost"
        duplicates = await edb.fetchval(
            "SELECT count(*) FROM (SELECT event_id FROM probe_applied GROUP BY event_id HAVING count(*) > 1) d"
        )
        assert duplicates == 0
        applied = await edb.fetchval(
            "SELECT count(*) FROM probe_applied p JOIN outbox o ON o.event_id = p.event_id "
            "WHERE o.event->'data'->>'user_id' = $1",
            user_id,
        )
        assert applied == 80
    finally:
        second.send_signal(signal.SIGTERM)
        second.wait(30)

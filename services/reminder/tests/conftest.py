"""Fixtures of the reminder tests: a schedule under its own Redis key prefix per test, a
runtime for calling the handler directly, and an embedded-mode app (api + reminder) on a
database of its own (so no other test's relay hands its events to other subscribers)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import httpx
import orjson
import pytest

from backend.app import create_app, load_services
from backend.migrations import upgrade
from backend.platform.events.subscriptions import Delivery, Outcome
from backend.platform.redis import make_redis
from backend.platform.runtime import Runtime
from backend.testing.fixtures import make_settings
from services.reminder.firing import FiringConfig, FiringLoop
from services.reminder.handlers import handle_task_event
from services.reminder.schedule import Entry, Schedule
from services.reminder.settings import ReminderSettings


def reminder_settings(database_url: str, redis_url: str, **overrides: Any) -> ReminderSettings:
    values = make_settings(database_url, redis_url).model_dump()
    prefix = f"test:{uuid.uuid4().hex[:10]}:{{reminders}}"
    return ReminderSettings(
        _env_file=None, **{**values, "reminder_key_prefix": prefix, **overrides}
    )


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass
class Reminders:
    """One test's schedule, and the handler as the event backbone would call it."""

    runtime: Runtime
    schedule: Schedule

    async def deliver(self, event: dict[str, Any]) -> Outcome:
        outcome = await handle_task_event(
            Delivery(event=event, topic="task-events", runtime=self.runtime)
        )
        return Outcome.SUCCESS if outcome is None else outcome

    async def add(self, task_id: str, *fire_ms: int, version: int = 1, live: bool = True) -> None:
        """Schedule a task's reminders directly (as a task event would)."""
        await self.schedule.apply(
            task_id=task_id,
            version=version,
            meta={"user_id": "u-1", "title": f"task {task_id}", "due_at": None},
            live=live,
            entries=[Entry(task_id, f"r{i}", ms) for i, ms in enumerate(fire_ms)],
            reference_ms=0,
            now_ms=now_ms(),
        )


@pytest.fixture
async def reminders(database_url: str, redis_url: str) -> AsyncIterator[Reminders]:
    runtime = Runtime.open(reminder_settings(database_url, redis_url))
    try:
        yield Reminders(
            runtime, Schedule(runtime.redis, prefix=runtime.settings.reminder_key_prefix)
        )
    finally:
        await runtime.close()


@dataclass
class Recorder:
    """A publish function that records what it was given, and when."""

    events: list[tuple[dict[str, Any], int]] = field(default_factory=list)
    fail_first: int = 0

    async def __call__(self, event: dict[str, Any]) -> None:
        if self.fail_first > 0:
            self.fail_first -= 1
            raise ConnectionError("broker unavailable")
        self.events.append((event, now_ms()))

    async def wait_for(self, count: int, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.events) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.01)


def start_loop(schedule: Schedule, publish: Any, **config: Any) -> asyncio.Task[None]:
    loop = FiringLoop(schedule=schedule, publish=publish, config=FiringConfig(**config))
    return asyncio.create_task(loop.run())


async def stop_loop(task: asyncio.Task[None]) -> None:
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def outbox_events(db: asyncpg.Connection, task_id: str, topic: str = "task-events") -> list:
    """The events the API staged for a task, oldest first."""
    rows = await db.fetch(
        "SELECT event FROM outbox WHERE partition_key = $1 AND topic = $2 ORDER BY id",
        task_id,
        topic,
    )
    return [orjson.loads(row["event"]) for row in rows]


async def _admin(url: str, sql: str) -> None:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(sql)
    finally:
        await connection.close()


@pytest.fixture(scope="module")
def service_database(database_url: str) -> Iterator[str]:
    """A second database on the session's server, migrated, dropped afterwards."""
    name = f"taskflow_reminder_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(database_url, f'CREATE DATABASE "{name}"'))
    parts = urlsplit(database_url)
    url = urlunsplit(parts._replace(path="/" + name))
    try:
        upgrade(url)
        yield url
    finally:
        asyncio.run(_admin(database_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module")
async def service_app(service_database: str, redis_url: str) -> AsyncIterator[Any]:
    """`taskflow up` in miniature: api + reminder, local transport, one process."""
    settings = reminder_settings(service_database, redis_url, reminder_max_sleep_seconds=0.5)
    application = create_app(settings, load_services(["api", "reminder"]), name="embedded")
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def sclient(service_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=service_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


@pytest.fixture
async def sdb(service_database: str) -> AsyncIterator[asyncpg.Connection]:
    connection = await asyncpg.connect(service_database)
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
async def service_schedule(service_app: Any) -> Schedule:
    runtime = service_app.state.runtime
    return Schedule(runtime.redis, prefix=runtime.settings.reminder_key_prefix)


@pytest.fixture
async def redis_client(redis_url: str) -> AsyncIterator[Any]:
    """A second, separate Redis client (a second replica)."""
    client = make_redis(redis_url)
    try:
        yield client
    finally:
        await client.aclose()

"""Fixtures of the audit tests: a runtime whose handlers write through a real writer, realistic
events (the api's own outbox rows, or made here), and an app serving the api and the audit
routes on the session database (no relay: the tests hand events to the handlers themselves)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import asyncpg
import httpx
import orjson
import pytest

from backend.app import api_service, create_app
from backend.platform.events.cloudevent import EventType, make_cloudevent
from backend.platform.events.subscriptions import Delivery, Outcome
from backend.platform.runtime import Runtime
from backend.platform.service import ServiceSpec
from backend.testing.fixtures import make_settings
from services.audit.handlers import handle_reminder_event, handle_task_event, writer_for
from services.audit.routes import router
from services.audit.settings import AuditSettings


def audit_settings(database_url: str, redis_url: str, **overrides: Any) -> AuditSettings:
    values = make_settings(database_url, redis_url).model_dump()
    return AuditSettings(_env_file=None, **{**values, **overrides})


async def eventually(check: Callable[[], Awaitable[Any]], *, timeout: float = 15.0) -> Any:
    """The first truthy result of `check`, polling until `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(0.05)


def task_event(
    *,
    user_id: str,
    task_id: str | None = None,
    type: EventType = EventType.TASK_UPDATED,
    time: datetime | None = None,
    version: int = 1,
    title: str = "Pay rent",
    changes: dict[str, list[Any]] | None = None,
) -> dict[str, Any]:
    """A task event shaped like the api's (events.md's data)."""
    task_id = task_id or str(uuid.uuid4())
    return make_cloudevent(
        type=type,
        source="taskflow/api",
        subject=task_id,
        time=time or datetime.now(UTC),
        data={
            "user_id": user_id,
            "task": {"id": task_id, "title": title, "status": "pending", "version": version},
            "version": version,
            "changes": changes if changes is not None else {"priority": ["medium", "high"]},
            "actor": {"kind": "user", "id": user_id},
        },
    )


class Audit:
    """The handlers as the event backbone calls them, on a runtime of the test's own."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime

    @property
    def writer(self):
        return writer_for(self.runtime)

    async def deliver(self, event: dict[str, Any], topic: str = "task-events") -> Outcome:
        handler = handle_reminder_event if topic == "reminders" else handle_task_event
        outcome = await handler(Delivery(event=event, topic=topic, runtime=self.runtime))
        return Outcome.SUCCESS if outcome is None else outcome

    async def deliver_all(self, events: list[dict[str, Any]]) -> list[Outcome]:
        return list(await asyncio.gather(*(self.deliver(e) for e in events)))


@pytest.fixture
async def make_audit(database_url: str, redis_url: str) -> AsyncIterator[Callable[..., Audit]]:
    """`make_audit(audit_flush_size=…, …)`: a runtime with those writer settings."""
    runtimes: list[Runtime] = []

    def make(**overrides: Any) -> Audit:
        overrides.setdefault("audit_flush_idle_seconds", 0)
        runtime = Runtime.open(audit_settings(database_url, redis_url, **overrides))
        runtimes.append(runtime)
        return Audit(runtime)

    yield make
    for runtime in runtimes:
        await writer_for(runtime).close()
        await runtime.close()


@pytest.fixture
async def audit(make_audit: Callable[..., Audit]) -> Audit:
    """Small batches flushed quickly, for tests about what is stored rather than when."""
    return make_audit(audit_flush_size=100, audit_flush_interval_seconds=0.05)


@pytest.fixture(scope="session")
async def audit_app(database_url: str, redis_url: str) -> AsyncIterator[Any]:
    settings = make_settings(database_url, redis_url)
    routes_only = ServiceSpec(name="audit", routers=(router,))
    application = create_app(settings, [api_service(), routes_only], name="api+audit")
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def audit_client(audit_app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=audit_app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
        yield c


async def outbox_events(db: asyncpg.Connection, user_id: str) -> list[dict[str, Any]]:
    """The events the api staged for the user, in order (what the relay would publish)."""
    rows = await db.fetch(
        "SELECT event FROM outbox WHERE event->'data'->>'user_id' = $1 ORDER BY id", user_id
    )
    return [orjson.loads(row["event"]) for row in rows]


async def stored(db: asyncpg.Connection, user_id: str) -> list[asyncpg.Record]:
    return await db.fetch(
        "SELECT *, tableoid::regclass::text AS partition FROM audit_events "
        "WHERE user_id = $1 ORDER BY seq",
        uuid.UUID(user_id),
    )

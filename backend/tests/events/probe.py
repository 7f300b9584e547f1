"""A test-only subscriber service: applies task events to `probe_tasks` exactly once each, in
version order, logging every application in `probe_applied`. Knobs let tests make it fail."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import text

from backend.platform.events.cloudevent import TASK_EVENTS
from backend.platform.events.inbox import advance_version, claim_event
from backend.platform.events.subscriptions import Delivery, Outcome, Subscription
from backend.platform.service import ServiceSpec

SCHEMA = [
    "CREATE TABLE IF NOT EXISTS probe_applied (event_id uuid NOT NULL, task_id uuid NOT NULL, "
    "version int NOT NULL, applied_at timestamptz NOT NULL DEFAULT clock_timestamp())",
    "CREATE TABLE IF NOT EXISTS probe_tasks (task_id uuid PRIMARY KEY, version int NOT NULL, title text NOT NULL)",
]


@dataclass
class Knobs:
    fail_first: dict[str, int] = field(default_factory=dict)  # event id → failures left
    drop_titles: set[str] = field(default_factory=set)
    always_fail_titles: set[str] = field(default_factory=set)
    calls: list[str] = field(default_factory=list)


knobs = Knobs()


async def handle(delivery: Delivery) -> Outcome | None:
    knobs.calls.append(delivery.id)
    task = delivery.data.get("task") or {}
    if task.get("title") in knobs.drop_titles:
        return Outcome.DROP
    if task.get("title") in knobs.always_fail_titles:
        raise RuntimeError("this subscriber cannot handle that task")
    if knobs.fail_first.get(delivery.id, 0) > 0:
        knobs.fail_first[delivery.id] -= 1
        return Outcome.RETRY
    async with delivery.runtime.sessions() as session, session.begin():
        if not await claim_event(session, consumer="probe", event_id=delivery.id):
            return Outcome.SUCCESS
        task_id = uuid.UUID(task["id"])
        await session.execute(
            text("INSERT INTO probe_applied (event_id, task_id, version) VALUES (:e, :t, :v)"),
            {"e": uuid.UUID(delivery.id), "t": task_id, "v": delivery.data["version"]},
        )
        if await advance_version(
            session, consumer="probe", task_id=task_id, version=delivery.data["version"]
        ):
            await session.execute(
                text(
                    "INSERT INTO probe_tasks (task_id, version, title) VALUES (:t, :v, :title) "
                    "ON CONFLICT (task_id) DO UPDATE SET version = :v, title = :title"
                ),
                {"t": task_id, "v": delivery.data["version"], "title": task["title"]},
            )
    return Outcome.SUCCESS


def subscription() -> Subscription:
    return Subscription(
        name="probe.task-events",
        topic=TASK_EVENTS,
        handler=handle,
        route="/events/probe/task-events",
    )


def spec() -> ServiceSpec:
    return ServiceSpec(name="probe", subscriptions=[subscription()])

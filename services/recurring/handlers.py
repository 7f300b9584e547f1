"""On `task.completed` of a recurring task, create its next occurrence (exactly once)."""

from __future__ import annotations

from datetime import UTC, datetime

import structlog

from backend.platform.events.cloudevent import EventType
from backend.platform.events.subscriptions import Delivery, Outcome
from backend.tasks.schemas import iso
from services.recurring import client
from services.recurring.schedule import next_occurrence, shift_reminders

log = structlog.get_logger("taskflow.recurring")
KNOWN = {str(t) for t in EventType}


def _parse(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


async def handle(delivery: Delivery) -> Outcome | None:
    if delivery.type not in KNOWN:
        log.warning("unknown_event_type_dropped", type=delivery.type)
        return Outcome.DROP
    if delivery.type != EventType.TASK_COMPLETED:
        return Outcome.SUCCESS
    task = delivery.data.get("task") or {}
    recurrence = task.get("recurrence")
    if not recurrence:
        return Outcome.SUCCESS
    due_at = _parse(task.get("due_at"))
    following = next_occurrence(
        rule=recurrence["rrule"],
        repeat_from=recurrence["from"],
        index=int(recurrence.get("index", 1)),
        zone_name=task["timezone"],
        due_at=due_at,
        all_day=bool(task.get("all_day")),
        completed_at=_parse(task.get("completed_at")) or datetime.now(UTC),
        now=datetime.now(UTC),
    )
    if following is None:
        log.info("series_ended", task_id=task["id"], series_id=task.get("series_id"))
        return Outcome.SUCCESS
    delta = following.due_at - due_at if due_at else None
    request = {
        "user_id": delivery.data["user_id"],
        "source_task_id": task["id"],
        "due_at": following.due_at.isoformat(),
        "index": following.index,
        "reminders": [
            {k: iso(v) if isinstance(v, datetime) else v for k, v in r.items()}
            for r in shift_reminders(task.get("reminders") or [], delta)
        ],
        "idempotency_key": following.key(task.get("series_id") or task["id"]),
    }
    create = (
        client.create_in_process
        if delivery.runtime.settings.event_transport == "local"
        else client.create_through_dapr
    )
    await create(delivery.runtime, event_id=delivery.id, request=request)
    return Outcome.SUCCESS

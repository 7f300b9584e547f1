"""On `task.completed` of a recurring task, create its next occurrence (exactly once)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

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


def plan_next(data: dict[str, Any], *, now: datetime) -> dict[str, Any] | None:
    """The occurrence request for a `task.completed` event's data; None when nothing follows."""
    task = data["task"]
    recurrence = task.get("recurrence")
    if not recurrence:
        return None
    due_at = _parse(task.get("due_at"))
    following = next_occurrence(
        rule=recurrence["rrule"],
        repeat_from=recurrence["from"],
        index=int(recurrence.get("index", 1)),
        zone_name=task["timezone"],
        due_at=due_at,
        all_day=bool(task.get("all_day")),
        completed_at=_parse(task.get("completed_at")) or now,
        now=now,
    )
    if following is None:
        log.info("series_ended", task_id=task["id"], series_id=task.get("series_id"))
        return None
    delta = following.due_at - due_at if due_at else None
    return {
        "user_id": data["user_id"],
        "source_task_id": task["id"],
        "due_at": following.due_at.isoformat(),
        "index": following.index,
        "reminders": [
            {k: iso(v) if isinstance(v, datetime) else v for k, v in r.items()}
            for r in shift_reminders(task.get("reminders") or [], delta)
        ],
        "idempotency_key": following.key(task.get("series_id") or task["id"]),
    }


async def handle(delivery: Delivery) -> Outcome | None:
    """Create the next occurrence for a completed recurring task; ignore every other event."""
    if delivery.type not in KNOWN:
        log.warning("unknown_event_type_dropped", type=delivery.type, event_id=delivery.id)
        return Outcome.DROP
    if delivery.type != EventType.TASK_COMPLETED:
        return Outcome.SUCCESS
    try:
        # Off the event loop: a sparse rule can take dateutil a while to expand.
        request = await asyncio.to_thread(plan_next, delivery.data, now=datetime.now(UTC))
    except (KeyError, TypeError, ValueError, OverflowError, AttributeError) as exc:
        log.warning("malformed_event_dropped", event_id=delivery.id, error=repr(exc))
        return Outcome.DROP
    if request is None:
        return Outcome.SUCCESS
    create = (
        client.create_in_process
        if delivery.runtime.settings.event_transport == "local"
        else client.create_through_dapr
    )
    try:
        await create(delivery.runtime, event_id=delivery.id, request=request)
    except client.OccurrenceRejected as exc:
        log.warning("occurrence_rejected", event_id=delivery.id, error=str(exc))
        return Outcome.DROP
    return Outcome.SUCCESS

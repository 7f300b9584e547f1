"""Applies task events to the schedule: the task as the event shows it decides its reminders."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

import structlog

from backend.platform.events.cloudevent import EventType
from backend.platform.events.subscriptions import Delivery, Outcome
from services.reminder.schedule import SNOOZE, Entry, Schedule
from services.reminder.settings import load_settings

log = structlog.get_logger("taskflow.reminder")
TASK_TYPES = frozenset(
    {
        EventType.TASK_CREATED,
        EventType.TASK_UPDATED,
        EventType.TASK_COMPLETED,
        EventType.TASK_REOPENED,
        EventType.TASK_DELETED,
        EventType.TASK_RESTORED,
        EventType.TASK_PURGED,
    }
)


class MalformedEvent(ValueError):
    """The event can never be applied (it is DROPped to the dead letters)."""


def _time(value: Any) -> datetime:
    if not isinstance(value, str):
        raise MalformedEvent(f"not a timestamp: {value!r}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise MalformedEvent(f"not a timestamp: {value!r}") from None
    if parsed.tzinfo is None:
        raise MalformedEvent(f"timestamp without offset: {value!r}")
    return parsed


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def task_entries(task: dict[str, Any]) -> list[Entry]:
    """Every firing the task's reminders ask for: `due_at - offset_minutes`, or `at`."""
    due = _time(task["due_at"]) if task.get("due_at") else None
    entries = []
    for reminder in task.get("reminders") or ():
        if not isinstance(reminder, dict) or not reminder.get("id"):
            raise MalformedEvent("a reminder without an id")
        rid = str(reminder["id"])
        if "|" in rid or rid.startswith(SNOOZE):
            raise MalformedEvent(f"reminder id {rid!r} is not allowed")
        if reminder.get("at"):
            entries.append(Entry(str(task["id"]), rid, _ms(_time(reminder["at"]))))
        elif reminder.get("offset_minutes") is not None and due is not None:
            offset = timedelta(minutes=int(reminder["offset_minutes"]))
            entries.append(Entry(str(task["id"]), rid, _ms(due - offset)))
    return entries


def task_meta(task: dict[str, Any], user_id: str) -> dict[str, Any]:
    """What a trigger needs besides the reminder itself."""
    return {"user_id": user_id, "title": task.get("title", ""), "due_at": task.get("due_at")}


async def apply_task_event(*, schedule: Schedule, event: dict[str, Any]) -> int | None:
    """Reschedule or cancel the task's reminders; None when the event's version is stale."""
    data = event.get("data")
    if not isinstance(data, dict) or not isinstance(data.get("task"), dict):
        raise MalformedEvent("data.task is missing")
    task, version = data["task"], data.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not task.get("id"):
        raise MalformedEvent("data.version or data.task.id is missing")
    if "|" in str(task["id"]):
        raise MalformedEvent("bad task id")
    now_ms = int(time.time() * 1000)
    # A reminder is new only if it falls after the change that set it: reopening a task, or
    # a backlog of events after downtime, never fires reminders from before the change.
    reference_ms = _ms(_time(event["time"])) if event.get("time") else now_ms
    # A purged task (deleted for good, or with its account) is gone whatever its last state.
    purged = event.get("type") == EventType.TASK_PURGED
    live = task.get("status") == "pending" and not task.get("deleted_at") and not purged
    entries = task_entries(task) if live else []
    return await schedule.apply(
        task_id=str(task["id"]),
        version=version,
        meta=task_meta(task, str(data.get("user_id") or "")),
        live=live,
        entries=entries,
        reference_ms=reference_ms,
        now_ms=now_ms,
    )


async def handle_task_event(delivery: Delivery) -> Outcome | None:
    """The `task-events` subscriber."""
    if delivery.type not in TASK_TYPES:
        log.info("unknown_event_dropped", type=delivery.type, event_id=delivery.id)
        return Outcome.DROP
    settings = load_settings(delivery.runtime)
    schedule = Schedule(delivery.runtime.redis, prefix=settings.reminder_key_prefix)
    try:
        applied = await apply_task_event(schedule=schedule, event=delivery.event)
    except (MalformedEvent, KeyError, TypeError, ValueError) as exc:
        log.warning("malformed_event_dropped", event_id=delivery.id, error=str(exc))
        return Outcome.DROP
    if applied is None:
        log.debug("stale_event_ignored", event_id=delivery.id)
    return Outcome.SUCCESS

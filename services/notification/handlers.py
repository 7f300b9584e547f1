"""Turn each task event and reminder into a frame of its user's stream, once per event id."""

from __future__ import annotations

import uuid

import structlog

from backend.platform.events.cloudevent import EventType
from backend.platform.events.subscriptions import Delivery, Outcome
from services.notification import history
from services.notification.frames import encode_frame
from services.notification.settings import notification_settings

log = structlog.get_logger("taskflow.notification")
KNOWN = {str(t) for t in EventType}


def _user_id(value: object) -> str | None:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return None


def _coalesce_key(delivery: Delivery) -> tuple[str, str | None]:
    """(key, task id): a task's changes coalesce with each other; reminders never do."""
    if delivery.type == EventType.REMINDER_TRIGGERED:
        return f"r:{delivery.id}", None
    task = delivery.data.get("task")
    task_id = task.get("id") if isinstance(task, dict) else None
    task_id = str(task_id or delivery.event.get("subject") or delivery.id)
    return f"t:{task_id}", task_id


async def handle(delivery: Delivery) -> Outcome | None:
    """Record the event in its user's history (which fans it out to every replica)."""
    if delivery.type not in KNOWN:
        log.warning("unknown_event_type_dropped", type=delivery.type, event_id=delivery.id)
        return Outcome.DROP
    user_id = _user_id(delivery.data.get("user_id"))
    if user_id is None or any(c in delivery.id for c in "\r\n") or len(delivery.id) > 100:
        log.warning("malformed_event_dropped", type=delivery.type, event_id=delivery.id[:100])
        return Outcome.DROP
    version = delivery.data.get("version")
    key, task_id = _coalesce_key(delivery)
    settings = notification_settings(delivery.runtime)
    await history.record(
        delivery.runtime.redis,
        user_id=user_id,
        event_id=delivery.id,
        frame=encode_frame(event_id=delivery.id, event_type=delivery.type, data=delivery.data),
        key=key,
        task_id=task_id,
        version=version if isinstance(version, int) and version > 0 else 0,
        maxlen=settings.notify_history_maxlen,
        age_seconds=settings.notify_history_seconds,
        fanout_maxlen=settings.notify_fanout_maxlen,
        seen_seconds=settings.notify_seen_seconds,
    )
    return Outcome.SUCCESS

"""CloudEvents 1.0 envelopes as events.md defines them."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from backend.platform.observability import current_request

TASK_EVENTS = "task-events"
REMINDERS = "reminders"


class EventType(StrEnum):
    TASK_CREATED = "com.taskflow.task.created"
    TASK_UPDATED = "com.taskflow.task.updated"
    TASK_COMPLETED = "com.taskflow.task.completed"
    TASK_REOPENED = "com.taskflow.task.reopened"
    TASK_DELETED = "com.taskflow.task.deleted"
    TASK_RESTORED = "com.taskflow.task.restored"
    TASK_PURGED = "com.taskflow.task.purged"
    REMINDER_TRIGGERED = "com.taskflow.reminder.triggered"


def make_cloudevent(
    *,
    type: EventType | str,
    source: str,
    subject: str,
    data: dict[str, Any],
    time: datetime | None = None,
    event_id: uuid.UUID | None = None,
) -> dict[str, Any]:
    """A structured-mode CloudEvent carrying the current request's trace and correlation id."""
    request = current_request()
    event: dict[str, Any] = {
        "specversion": "1.0",
        "id": str(event_id or uuid.uuid4()),
        "source": source,
        "type": str(type),
        "subject": subject,
        "time": (time or datetime.now(UTC)).astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "datacontenttype": "application/json",
        "partitionkey": subject,
        "data": data,
    }
    if request is not None:
        # Dapr keeps an incoming event's trace fields only when `traceid` is present; with
        # `traceparent` alone the sidecar puts in a trace of its own and the request's trace
        # ends at the relay (seen on daprd 1.18.1; components-contrib pubsub/envelope.go).
        event["traceparent"] = event["traceid"] = request.traceparent
        event["correlationid"] = request.request_id
    return event

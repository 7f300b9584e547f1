"""What the audit service consumes."""

from __future__ import annotations

from backend.platform.events.cloudevent import REMINDERS, TASK_EVENTS
from backend.platform.events.subscriptions import Subscription
from services.audit.handlers import handle_reminder_event, handle_task_event

SUBSCRIPTIONS = (
    Subscription(
        name=f"audit.{TASK_EVENTS}",
        topic=TASK_EVENTS,
        handler=handle_task_event,
        route=f"/events/audit/{TASK_EVENTS}",
    ),
    Subscription(
        name=f"audit.{REMINDERS}",
        topic=REMINDERS,
        handler=handle_reminder_event,
        route=f"/events/audit/{REMINDERS}",
    ),
)

"""What the reminder service consumes."""

from __future__ import annotations

from backend.platform.events.cloudevent import TASK_EVENTS
from backend.platform.events.subscriptions import Subscription
from services.reminder.handlers import handle_task_event

SUBSCRIPTIONS = (
    Subscription(
        name=f"reminder.{TASK_EVENTS}",
        topic=TASK_EVENTS,
        handler=handle_task_event,
        route=f"/events/reminder/{TASK_EVENTS}",
    ),
)

"""What the notification service consumes."""

from __future__ import annotations

from backend.platform.events.cloudevent import REMINDERS, TASK_EVENTS
from backend.platform.events.subscriptions import Subscription
from services.notification.handlers import handle

SUBSCRIPTIONS = [
    Subscription(
        name="notification.task-events",
        topic=TASK_EVENTS,
        handler=handle,
        route="/events/notification/task-events",
    ),
    Subscription(
        name="notification.reminders",
        topic=REMINDERS,
        handler=handle,
        route="/events/notification/reminders",
    ),
]

"""What the recurring service consumes."""

from __future__ import annotations

from backend.platform.events.cloudevent import TASK_EVENTS
from backend.platform.events.subscriptions import Subscription
from services.recurring.handlers import handle

SUBSCRIPTIONS = [
    Subscription(
        name="recurring.task-events",
        topic=TASK_EVENTS,
        handler=handle,
        route="/events/recurring/task-events",
    )
]

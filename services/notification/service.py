"""The notification service: the live SSE stream of each user's task events and reminders."""

from __future__ import annotations

from backend.platform.service import ServiceSpec
from services.notification.routes import router
from services.notification.subscriptions import SUBSCRIPTIONS
from services.notification.workers import fanout_worker, housekeeping_worker


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="notification",
        routers=(router,),
        subscriptions=SUBSCRIPTIONS,
        workers=(fanout_worker, housekeeping_worker),
    )

"""The reminder service: keeps the schedule from task events and fires `reminder.triggered`."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError

from backend.platform.events.cloudevent import REMINDERS
from backend.platform.events.publisher import publish
from backend.platform.runtime import Runtime
from backend.platform.service import ServiceSpec
from services.reminder.firing import FiringConfig, FiringLoop
from services.reminder.routes import router
from services.reminder.schedule import Schedule
from services.reminder.settings import load_settings
from services.reminder.subscriptions import SUBSCRIPTIONS


async def publish_trigger(runtime: Runtime, event: dict[str, Any]) -> None:
    """Publish to `reminders`; a re-fire of a trigger the outbox already holds is done."""
    try:
        await publish(runtime, topic=REMINDERS, event=event)
    except IntegrityError as exc:
        # local transport: the outbox's unique event id says a crashed replica published it
        if getattr(exc.orig, "sqlstate", None) != "23505":
            raise


async def fire_reminders(runtime: Runtime) -> None:
    """The worker: one firing loop per process; replicas share the schedule safely."""
    settings = load_settings(runtime)
    loop = FiringLoop(
        schedule=Schedule(runtime.redis, prefix=settings.reminder_key_prefix),
        publish=lambda event: publish_trigger(runtime, event),
        config=FiringConfig(
            lease_ms=int(settings.reminder_lease_seconds * 1000),
            batch_size=settings.reminder_batch_size,
            concurrency=settings.reminder_publish_concurrency,
            max_sleep=settings.reminder_max_sleep_seconds,
            late_after_ms=settings.reminder_late_after_ms,
            lookahead_ms=settings.reminder_lookahead_ms,
        ),
    )
    await loop.run()


def spec() -> ServiceSpec:
    return ServiceSpec(
        name="reminder", routers=(router,), subscriptions=SUBSCRIPTIONS, workers=(fire_reminders,)
    )

"""Settings of the reminder service (beyond the shared ones); environment names upper-cased."""

from __future__ import annotations

from pydantic import Field

from backend.platform.runtime import Runtime
from backend.platform.settings import Settings
from services.reminder.schedule import DEFAULT_PREFIX


class ReminderSettings(Settings):
    reminder_key_prefix: str = DEFAULT_PREFIX
    """Prefix of the schedule's Redis keys (the `{…}` hash tag keeps them in one cluster slot)."""
    reminder_lease_seconds: float = Field(default=15.0, gt=0, le=3600)
    """How long a claim may stay unpublished before another replica fires it instead."""
    reminder_batch_size: int = Field(default=500, ge=1, le=4000)
    reminder_publish_concurrency: int = Field(default=64, ge=1, le=1000)
    reminder_max_sleep_seconds: float = Field(default=1.0, gt=0, le=60)
    """Longest sleep between looks at the schedule (wake-ups normally come by pub/sub)."""
    reminder_late_after_ms: int = Field(default=1000, ge=0)
    """A reminder published later than this after its fire time is sent with `late: true`."""
    reminder_lookahead_ms: int = Field(default=500, ge=0, le=60_000)
    """How long before their fire time reminders are claimed and their events built, so that
    at the fire time only the publish is left (0: claim at the fire time)."""


def load_settings(runtime: Runtime) -> ReminderSettings:
    """The process's settings with the reminder knobs (read from the environment if needed)."""
    settings = runtime.settings
    if isinstance(settings, ReminderSettings):
        return settings
    cached = getattr(runtime, "_reminder_settings", None)
    if cached is None:
        cached = ReminderSettings(**settings.model_dump())
        runtime._reminder_settings = cached  # read once per process
    return cached

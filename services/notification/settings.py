"""Settings of the notification service (beyond the shared ones)."""

from __future__ import annotations

from pydantic import Field

from backend.platform.runtime import Runtime
from backend.platform.settings import Settings


class NotificationSettings(Settings):
    """Environment variables are the field names upper-cased (e.g. NOTIFY_HEARTBEAT_SECONDS)."""

    notify_heartbeat_seconds: float = Field(default=30.0, gt=0, le=300)
    notify_send_timeout_seconds: float = Field(default=30.0, gt=0, le=60)
    """A stream whose write blocks this long is closed (the client stopped reading)."""
    notify_max_streams_per_user: int = Field(default=3, ge=1, le=100)
    notify_max_connections: int = Field(default=10_000, ge=1, le=1_000_000)
    """Open streams one replica accepts; past it a new stream gets 503 with Retry-After (the
    client retries, the load balancer likely picks another replica). Size it to the pod's
    memory (≈ 13 KiB per stream, docs/notifications.md) and file-descriptor limit."""
    notify_frames_per_second: float = Field(default=10.0, gt=0, le=1000)
    notify_max_pending: int = Field(default=256, ge=1, le=100_000)
    """Distinct undelivered frames one stream may queue; past it the stream ends and the
    client resumes from its Last-Event-ID (nothing is lost, the history has it all)."""
    notify_ticket_seconds: int = Field(default=30, ge=1, le=60)
    notify_auth_recheck_seconds: float = Field(default=30.0, gt=0, le=3600)
    """How often each open stream's sign-in (or token) is checked again: a stream whose
    session was signed out, whose token was revoked or has expired ends within this long."""
    notify_slot_ttl_seconds: int = Field(default=60, ge=3, le=3600)
    """A stream's slot expires this long after its replica last refreshed it (a crash)."""
    notify_history_maxlen: int = Field(default=1000, ge=10, le=1_000_000)
    notify_history_seconds: int = Field(default=24 * 3600, ge=60)
    notify_fanout_maxlen: int = Field(default=20_000, ge=100, le=10_000_000)
    notify_seen_seconds: int = Field(default=7 * 24 * 3600, ge=60)


def notification_settings(runtime: Runtime) -> NotificationSettings:
    """The process's settings as NotificationSettings (read from the environment once)."""
    settings = runtime.settings
    if isinstance(settings, NotificationSettings):
        return settings
    cached = getattr(runtime, "_notification_settings", None)
    if cached is None:
        cached = NotificationSettings(**settings.model_dump())
        runtime._notification_settings = cached  # type: ignore[attr-defined]
    return cached

"""The process-wide loops of the notification service: fan-out, and housekeeping."""

from __future__ import annotations

import asyncio
import signal

import structlog
from redis.exceptions import RedisError

from backend.platform.runtime import Runtime
from services.notification import limits
from services.notification.fanout import run_fanout
from services.notification.hub import Hub, drop_hub, hub_for
from services.notification.settings import notification_settings

log = structlog.get_logger("taskflow.notification")
_TICK_SECONDS = 1.0


async def fanout_worker(runtime: Runtime) -> None:
    """Every frame recorded by any replica, to this process's streams."""
    hub = hub_for(runtime)
    try:
        await run_fanout(runtime.redis, hub)
    finally:
        hub.close_all("shutdown")
        drop_hub(runtime)


def _server_exiting() -> bool:
    """Whether uvicorn is shutting down (its signal handler is a bound method of the
    Server); streams must end then, or uvicorn would wait for them forever."""
    handler = signal.getsignal(signal.SIGTERM)
    server = getattr(handler, "__self__", None)
    return bool(getattr(server, "should_exit", False))


async def _refresh(runtime: Runtime, hub: Hub, ttl_seconds: int) -> None:
    slots = [(c.user_id, c.slot_id) for c in hub.connections() if not c.closed]
    try:
        await limits.refresh_slots(runtime.redis, slots=slots, ttl_seconds=ttl_seconds)
    except (RedisError, OSError) as exc:
        log.warning("slot_refresh_failed", error=str(exc))


async def housekeeping_worker(runtime: Runtime) -> None:
    """Heartbeats, slot refresh, stalled-stream eviction and shutdown, once a second."""
    settings = notification_settings(runtime)
    hub = hub_for(runtime)
    loop = asyncio.get_running_loop()
    next_refresh = loop.time() + settings.notify_slot_ttl_seconds / 3
    tick = min(_TICK_SECONDS, settings.notify_heartbeat_seconds / 2)
    slices = max(1, round(settings.notify_heartbeat_seconds / tick))
    ticks = 0
    while True:
        await asyncio.sleep(tick)
        ticks += 1
        now = loop.time()
        if _server_exiting():
            hub.close_all("shutdown")
        evicted = hub.evict_stalled(now=now, timeout=settings.notify_send_timeout_seconds)
        if evicted:
            log.info("stalled_streams_evicted", count=evicted)
        hub.heartbeat(tick=ticks, slices=slices)
        if now >= next_refresh:
            next_refresh = now + settings.notify_slot_ttl_seconds / 3
            await _refresh(runtime, hub, settings.notify_slot_ttl_seconds)

"""The process-wide loops of the notification service: fan-out, and housekeeping."""

from __future__ import annotations

import asyncio
import signal
from datetime import UTC, datetime

import structlog
from asyncpg import PostgresError
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from backend.platform.deps import signed_out
from backend.platform.runtime import Runtime
from services.notification import limits
from services.notification.connection import Connection
from services.notification.fanout import run_fanout
from services.notification.hub import Hub, drop_hub, hub_for
from services.notification.settings import notification_settings

log = structlog.get_logger("taskflow.notification")
_TICK_SECONDS = 1.0
_RECHECK_TIMEOUT_SECONDS = 5.0
"""A credential recheck waits no longer (it must not hold up heartbeats and evictions)."""


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


async def recheck_credentials(runtime: Runtime, hub: Hub, *, tick: int, slices: int) -> int:
    """End the streams of one slice whose sign-in has expired, was signed out, or whose
    personal access token was revoked (a stream outlives the request that authenticated it;
    its client reconnects and is refused). How many were ended. A failed check ends nothing:
    the next round asks again."""
    now = datetime.now(UTC)
    ended = 0
    live: list[Connection] = []
    for connection in hub.slice(tick=tick, slices=slices):
        if connection.closed:
            continue
        if connection.principal.expires_at <= now:
            connection.close("expired")
            ended += 1
        else:
            live.append(connection)
    if not live:
        return ended
    try:
        async with asyncio.timeout(_RECHECK_TIMEOUT_SECONDS):
            gone = await signed_out((c.principal for c in live), runtime)
    except (TimeoutError, RedisError, OSError, SQLAlchemyError, PostgresError) as exc:
        log.warning("credential_recheck_failed", error=f"{type(exc).__name__}: {exc}")
        return ended
    for connection in live:
        if connection.principal.jti in gone:
            connection.close("signed_out")
            ended += 1
    return ended


async def housekeeping_worker(runtime: Runtime) -> None:
    """Heartbeats, slot refresh, stalled-stream eviction, credential rechecks and shutdown,
    once a second."""
    settings = notification_settings(runtime)
    hub = hub_for(runtime)
    loop = asyncio.get_running_loop()
    next_refresh = loop.time() + settings.notify_slot_ttl_seconds / 3
    tick = min(_TICK_SECONDS, settings.notify_heartbeat_seconds / 2)
    slices = max(1, round(settings.notify_heartbeat_seconds / tick))
    auth_slices = max(1, round(settings.notify_auth_recheck_seconds / tick))
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
        ended = await recheck_credentials(runtime, hub, tick=ticks, slices=auth_slices)
        if ended:
            log.info("streams_ended_signed_out_or_expired", count=ended)
        if now >= next_refresh:
            next_refresh = now + settings.notify_slot_ttl_seconds / 3
            await _refresh(runtime, hub, settings.notify_slot_ttl_seconds)

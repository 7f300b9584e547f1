"""The firing loop: sleep until the earliest fire time (woken early over Redis pub/sub when an
earlier reminder is scheduled), claim what is due with a lease, publish, and only then forget.
A claim whose publish never finished (a crash, a failed publish) is re-claimed by any replica
once its lease expires; the trigger's event id is the same, so consumers see it once."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from redis.exceptions import RedisError

from backend.platform.events.cloudevent import EventType, make_cloudevent
from services.reminder.metrics import DROPPED, FIRED, LATENESS, PUBLISH_FAILURES
from services.reminder.schedule import Claim, Entry, Schedule

log = structlog.get_logger("taskflow.reminder.firing")
SOURCE = "taskflow/reminder"
Publish = Callable[[dict[str, Any]], Awaitable[None]]


def now_ms() -> int:
    return int(time.time() * 1000)


@dataclass(frozen=True)
class FiringConfig:
    lease_ms: int = 15_000
    batch_size: int = 500
    concurrency: int = 64
    max_sleep: float = 1.0
    late_after_ms: int = 1000


@functools.lru_cache(maxsize=4096)
def _iso(epoch_ms: int) -> str:
    """RFC 3339 UTC; cached because a burst shares one fire time."""
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat().replace("+00:00", "Z")


def trigger_event(entry: Entry, state: dict[str, Any], *, late: bool) -> dict[str, Any]:
    """The `reminder.triggered` CloudEvent; its id is fixed per (task, reminder, fire time)."""
    meta = state.get("meta") or {}
    fire_at = _iso(entry.fire_ms)
    return make_cloudevent(
        type=EventType.REMINDER_TRIGGERED,
        source=SOURCE,
        subject=entry.task_id,
        event_id=entry.event_id,
        data={
            "user_id": meta.get("user_id"),
            "task_id": entry.task_id,
            "task_title": meta.get("title"),
            "due_at": meta.get("due_at"),
            "reminder_id": entry.reminder_id,
            "fire_at": fire_at,
            "late": late,
        },
    )


def _fires(claim: Claim, states: dict[str, dict[str, Any]]) -> bool:
    """Fire only for a live task that still has this reminder (checked at claim time)."""
    state = states.get(claim.entry.task_id)
    return bool(state and state.get("live") and claim.entry.member in (state.get("members") or ()))


class FiringLoop:
    def __init__(self, *, schedule: Schedule, publish: Publish, config: FiringConfig) -> None:
        self.schedule = schedule
        self.publish = publish
        self.config = config
        self.wake = asyncio.Event()

    async def fire_due(self) -> int:
        """Claim and publish one batch of due reminders; returns how many were claimed."""
        claimed_at = now_ms()
        claims = await self.schedule.claim(
            now_ms=claimed_at, lease_ms=self.config.lease_ms, limit=self.config.batch_size
        )
        if not claims:
            return 0
        states = await self.schedule.states(sorted({c.entry.task_id for c in claims}))
        fire, dropped = [], []
        for claim in claims:
            (fire if _fires(claim, states) else dropped).append(claim)
        DROPPED.inc(len(dropped))
        published = await self._publish_all(fire, states, claimed_at)
        await self.schedule.ack([c.entry for c in dropped] + published)
        return len(claims)

    async def _publish_all(
        self, claims: list[Claim], states: dict[str, Any], claimed_at: int
    ) -> list[Entry]:
        """Publish with up to `concurrency` in flight; returns what the transport accepted."""
        pending = iter(claims)
        published: list[Entry] = []

        async def worker() -> None:
            for claim in pending:
                late = (
                    claim.reclaimed or claimed_at - claim.entry.fire_ms > self.config.late_after_ms
                )
                event = trigger_event(claim.entry, states[claim.entry.task_id], late=late)
                try:
                    await self.publish(event)
                except Exception as exc:  # the lease expires and another round retries it
                    log.warning(
                        "reminder_publish_failed",
                        member=claim.entry.member,
                        error=f"{type(exc).__name__}: {exc}",
                    )
                    PUBLISH_FAILURES.inc()
                    continue
                published.append(claim.entry)
                FIRED.labels("true" if late else "false").inc()
                LATENESS.observe(max(0, now_ms() - claim.entry.fire_ms) / 1000)

        await asyncio.gather(*(worker() for _ in range(min(self.config.concurrency, len(claims)))))
        return published

    async def sleep(self) -> None:
        """Until the earliest fire time or lease expiry, a wake-up, or `max_sleep`."""
        self.wake.clear()
        due = await self.schedule.next_due_ms()
        delay = self.config.max_sleep
        if due is not None:
            delay = min(delay, max(0.0, (due - now_ms()) / 1000))
        if delay > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), delay)

    async def listen(self) -> None:
        """Set `wake` whenever someone schedules a new earliest reminder (any replica)."""
        while True:
            try:
                async with self.schedule.redis.pubsub() as pubsub:
                    await pubsub.subscribe(self.schedule.channel)
                    async for message in pubsub.listen():
                        if message.get("type") == "message":
                            self.wake.set()
            except (RedisError, OSError) as exc:
                log.warning("reminder_wake_channel_lost", error=str(exc))
                self.wake.set()  # we may have missed a wake-up
                await asyncio.sleep(1.0)

    async def run(self) -> None:
        """Fire reminders until cancelled; Redis outages are waited out."""
        listener = asyncio.create_task(self.listen(), name="reminder-wake")
        backoff = 0.1
        try:
            while True:
                try:
                    if await self.fire_due() < self.config.batch_size:
                        await self.sleep()
                    backoff = 0.1
                except (RedisError, OSError) as exc:
                    log.warning("reminder_firing_failed", error=f"{type(exc).__name__}: {exc}")
                    await asyncio.sleep(backoff)
                    backoff = min(backoff * 2, 5.0)
        finally:
            listener.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await listener

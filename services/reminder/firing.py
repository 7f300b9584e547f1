"""The firing loop: claim reminders shortly before they are due, and publish each at its fire
time, then forget it.

Three coroutines share one process: a listener for wake-ups, the claimer and the firer. The
claimer sleeps until a reminder comes within the look-ahead (woken early, through the listener,
over Redis pub/sub when an earlier one is scheduled). It claims what is
due by then with a lease, reads the tasks' states and builds the events. The firer waits for
each fire time, checks that the claims are still held, publishes, and then forgets them. So at a
fire time only that check and the publishes remain, even for a burst of thousands. A claim whose
publish never finished (a crash, a failed publish) is re-claimed by any replica once its lease
expires; the trigger's event id is the same, so consumers see it once."""

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
from services.reminder.fire_queue import FireQueue
from services.reminder.metrics import DROPPED, FIRED, LATENESS, PUBLISH_FAILURES
from services.reminder.schedule import Claim, Entry, Schedule

log = structlog.get_logger("taskflow.reminder.firing")
SOURCE = "taskflow/reminder"
Publish = Callable[[dict[str, Any]], Awaitable[None]]
FIRED_LATE, FIRED_ON_TIME = FIRED.labels("true"), FIRED.labels("false")
YIELD_EVERY = 100
"""Events built between two chances for the firer to run (100 take about half a millisecond)."""
STOP_ATTEMPTS = 5
"""How many times (a second apart) stopping cancels a coroutine that has not ended yet."""


def now_ms() -> int:
    return int(time.time() * 1000)


def _stopping() -> bool:
    """Whether this task has been asked to stop. A Redis error may stand in for the cancel
    that interrupted a command (an error raised while the client cleans up replaces the
    CancelledError); retrying then would swallow the stop and hang the shutdown."""
    task = asyncio.current_task()
    return task is not None and task.cancelling() > 0


@dataclass(frozen=True)
class FiringConfig:
    lease_ms: int = 15_000
    batch_size: int = 500
    """Most reminders one claim takes (a claim is one Lua script run)."""
    concurrency: int = 64
    max_sleep: float = 1.0
    late_after_ms: int = 1000
    lookahead_ms: int = 500
    """How long before its fire time a reminder is claimed and its event built (between half
    of it and all of it, see `sleep`)."""
    max_prepared: int = 20_000
    """Most claims held ahead of their time; past it only due reminders are claimed."""
    check_batch: int = 4000
    """Most claims one lease-by-lease check covers (one script run; rarely needed)."""


@functools.lru_cache(maxsize=4096)
def _iso(epoch_ms: int) -> str:
    """RFC 3339 UTC; cached because a burst shares one fire time."""
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).isoformat().replace("+00:00", "Z")


def trigger_event(
    entry: Entry, state: dict[str, Any], *, late: bool, envelope: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The `reminder.triggered` CloudEvent; its id is fixed per (task, reminder, fire time).
    `envelope`, an event `trigger_envelope` made, saves building the envelope per event."""
    meta = state.get("meta") or {}
    if envelope is None:
        envelope = trigger_envelope()
    return {
        **envelope,
        "id": entry.event_key,
        "subject": entry.task_id,
        "partitionkey": entry.task_id,
        "data": {
            "user_id": meta.get("user_id"),
            "task_id": entry.task_id,
            "task_title": meta.get("title"),
            "due_at": meta.get("due_at"),
            "reminder_id": entry.reminder_id,
            "fire_at": _iso(entry.fire_ms),
            "late": late,
        },
    }


def trigger_envelope() -> dict[str, Any]:
    """The attributes every trigger built now shares (time, and any trace context)."""
    return make_cloudevent(type=EventType.REMINDER_TRIGGERED, source=SOURCE, subject="", data={})


def _fires(claim: Claim, states: dict[str, dict[str, Any]]) -> bool:
    """Fire only for a live task that still has this reminder (checked at claim time)."""
    state = states.get(claim.entry.task_id)
    return bool(state and state.get("live") and claim.entry.member in (state.get("members") or ()))


@dataclass(slots=True)
class Prepared:
    """A claim and its event, waiting for the fire time."""

    claim: Claim
    event: dict[str, Any]


class FiringLoop:
    def __init__(self, *, schedule: Schedule, publish: Publish, config: FiringConfig) -> None:
        self.schedule = schedule
        self.publish = publish
        self.config = config
        self.wake = asyncio.Event()
        """Set to make the claimer look at the schedule now."""
        self._alarm: asyncio.Future[None] | None = None  # what the idle firer waits on
        self._queue: FireQueue[Prepared] = FireQueue()  # claimed, waiting for their time
        self._forgetting: set[asyncio.Task[None]] = set()  # acks of what was published
        self._unqueued: list[Claim] = []  # claimed when the loop stopped, not yet queued

    async def prepare(self, *, lookahead_ms: int = 0) -> int:
        """Claim one batch due within `lookahead_ms`, drop what no longer fires and queue
        the rest with its event built; returns how many were claimed."""
        claimed_at = now_ms()
        claims = await self.schedule.claim(
            now_ms=claimed_at,
            horizon_ms=claimed_at + lookahead_ms,
            lease_ms=self.config.lease_ms,
            limit=self.config.batch_size,
        )
        if not claims:
            return 0
        states = await self.schedule.states(sorted({c.entry.task_id for c in claims}))
        envelope = trigger_envelope()
        dropped: list[Claim] = []
        seen = 0
        try:
            for claim in claims:
                seen += 1
                if not _fires(claim, states):
                    dropped.append(claim)
                    continue
                event = trigger_event(
                    claim.entry, states[claim.entry.task_id], late=False, envelope=envelope
                )
                self._enqueue(Prepared(claim, event))
                if seen % YIELD_EVERY == 0:
                    self._ring()
                    await asyncio.sleep(0)  # let the firer publish what is due meanwhile
        except asyncio.CancelledError:
            self._unqueued += claims[seen:]  # stopping: handed back with the queue
            raise
        self._ring()
        DROPPED.inc(len(dropped))
        await self.schedule.ack(dropped)
        return len(claims)

    def _enqueue(self, prepared: Prepared) -> None:
        self._queue.push(prepared.claim.entry.fire_ms, prepared)

    def _take_due(self) -> list[Prepared]:
        """Queued claims whose fire time has come (never one before it), earliest first."""
        due = self._queue.pop_due(now_ms(), self.config.max_prepared)
        if len(self._queue) + len(due) >= self.config.max_prepared > len(self._queue):
            self.wake.set()  # room again to claim ahead
        return due

    async def fire(self, due: list[Prepared]) -> int:
        """Publish the claims still held, then forget them (in the background, so the next
        fire time does not wait); returns how many were published. A completion, deletion or
        reschedule since the claim took the lease away: that claim is not published."""
        if not due:
            return 0
        try:
            due = await self._still_held(due)
        except (RedisError, OSError):
            for prepared in due:  # still ours: try again once Redis answers
                self._enqueue(prepared)
            raise
        published = await self._publish_all(due)
        task = asyncio.create_task(self._forget(published))
        self._forgetting.add(task)
        task.add_done_callback(self._forgetting.discard)
        return len(published)

    async def _still_held(self, due: list[Prepared]) -> list[Prepared]:
        """One GET when no lease was taken from anyone since these claims (the usual case);
        else a lease-by-lease check of the claims made before that happened."""
        epoch = await self.schedule.epoch()
        unsure = [p for p in due if p.claim.epoch != epoch]
        if not unsure:
            return due
        lost: set[int] = set()
        for i in range(0, len(unsure), self.config.check_batch):
            chunk = unsure[i : i + self.config.check_batch]
            held = await self.schedule.held([p.claim for p in chunk])
            lost.update(id(p) for p, h in zip(chunk, held, strict=True) if not h)
        DROPPED.inc(len(lost))
        return [p for p in due if id(p) not in lost]

    async def _forget(self, claims: list[Claim]) -> None:
        try:
            await self.schedule.ack(claims)
        except (RedisError, OSError) as exc:  # published: their re-fire has the same event id
            log.warning("reminder_forget_failed", claims=len(claims), error=str(exc))

    async def fire_due(self) -> int:
        """Claim one batch of reminders due now and publish it; returns how many were claimed."""
        claimed = await self.prepare()
        while due := self._take_due():
            await self.fire(due)
        await asyncio.gather(*self._forgetting)
        return claimed

    async def _publish_all(self, due: list[Prepared]) -> list[Claim]:
        """Publish with up to `concurrency` in flight; returns what the transport accepted.
        The metrics are counted after the last publish, off the burst's critical path."""
        pending = iter(due)
        published: list[Claim] = []
        fired: list[tuple[bool, int]] = []  # (late, lateness ms) of each published
        late_after_ms = self.config.late_after_ms

        async def worker() -> None:
            for prepared in pending:
                claim, event = prepared.claim, prepared.event
                sent_ms = now_ms()
                late = claim.reclaimed or sent_ms - claim.entry.fire_ms > late_after_ms
                event["time"] = _iso(sent_ms)
                event["data"]["late"] = late
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
                published.append(claim)
                fired.append((late, now_ms() - claim.entry.fire_ms))

        await asyncio.gather(*(worker() for _ in range(min(self.config.concurrency, len(due)))))
        late = sum(1 for is_late, _ in fired if is_late)
        FIRED_LATE.inc(late)
        FIRED_ON_TIME.inc(len(fired) - late)
        for _, ms in fired:
            LATENESS.observe(max(0, ms) / 1000)
        return published

    def _lookahead_ms(self) -> int:
        return self.config.lookahead_ms if len(self._queue) < self.config.max_prepared else 0

    async def sleep(self, *, claimed: bool = False) -> None:
        """Until the earliest unclaimed reminder comes within the look-ahead or a lease
        expires, a wake-up, or `max_sleep`. After a claim that found something, the next comes
        half a look-ahead later at the earliest, so a busy schedule is claimed in slices of
        half the look-ahead rather than one reminder at a time."""
        self.wake.clear()
        first, lease = await self.schedule.next_times()
        delay = self.config.max_sleep
        if first is not None:
            ahead = self._lookahead_ms()
            until = first - ahead - now_ms()
            if claimed and ahead:
                until = max(until, ahead // 2)
            delay = min(delay, until / 1000)
        if lease is not None:
            delay = min(delay, (lease - now_ms()) / 1000)
        if delay > 0:
            # Not asyncio.wait_for: on Python 3.11 it can swallow a cancel that arrives as the
            # wake-up does, and the loop then never stops (see backend/platform/events/relay.py).
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self.wake.wait()

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
                if _stopping():
                    raise asyncio.CancelledError from exc
                log.warning("reminder_wake_channel_lost", error=str(exc))
                self.wake.set()  # we may have missed a wake-up
                await asyncio.sleep(1.0)

    async def claim_ahead(self) -> None:
        """The claimer: keep the queue filled with what falls due within the look-ahead."""
        backoff = 0.1
        while True:
            try:
                claimed = await self.prepare(lookahead_ms=self._lookahead_ms())
                if claimed < self.config.batch_size:
                    await self.sleep(claimed=claimed > 0)
                backoff = 0.1
            except (RedisError, OSError) as exc:
                if _stopping():
                    raise asyncio.CancelledError from exc
                log.warning("reminder_claim_failed", error=f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    def _ring(self, _: object = None) -> None:
        """Wake the firer (new claims arrived, or its timer went off)."""
        if self._alarm is not None and not self._alarm.done():
            self._alarm.set_result(None)

    async def _doze(self, delay: float | None) -> None:
        """Until `delay` seconds pass (None: no limit) or claims arrive. A bare future and timer:
        `asyncio.wait_for` takes several turns of the event loop to wake, each of which may
        wait behind the claimer's work."""
        loop = asyncio.get_running_loop()
        self._alarm = loop.create_future()
        timer = None if delay is None else loop.call_later(delay, self._ring)
        try:
            await self._alarm
        finally:
            if timer is not None:
                timer.cancel()
            self._alarm = None

    async def fire_on_time(self) -> None:
        """The firer: publish each queued claim once its fire time has come."""
        backoff = 0.1
        while True:
            first = self._queue.first_ms()
            if first is None:
                await self._doze(None)
                continue
            delay = first / 1000 - time.time()
            if delay > 0:  # claims arriving meanwhile (maybe earlier ones) cut the wait short
                await self._doze(delay)
                continue
            due = self._take_due()
            try:
                await self.fire(due)
                backoff = 0.1
            except (RedisError, OSError) as exc:
                if _stopping():
                    raise asyncio.CancelledError from exc
                # unpublished or unforgotten: the leases expire and the claims fire again
                log.warning("reminder_firing_failed", error=f"{type(exc).__name__}: {exc}")
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def run(self) -> None:
        """Fire reminders until cancelled; Redis outages are waited out. On the way out,
        claims not yet due go back to the schedule for the other replicas."""
        tasks = [
            asyncio.create_task(self.listen(), name="reminder-wake"),
            asyncio.create_task(self.claim_ahead(), name="reminder-claim"),
            asyncio.create_task(self.fire_on_time(), name="reminder-fire"),
        ]
        try:
            await asyncio.gather(*tasks)
        finally:
            await _stop(tasks)
            await self._give_back()
            if self._forgetting:
                await asyncio.wait(self._forgetting, timeout=2.0)

    async def _give_back(self) -> None:
        """Return the queued claims to the schedule (best effort: if this fails or the
        process dies first, their leases expire and another replica fires them, late)."""
        queued = [prepared.claim for prepared in self._queue.drain()] + self._unqueued
        self._unqueued = []
        if not queued:
            return
        try:
            await asyncio.wait_for(asyncio.shield(self.schedule.give_back(queued)), 2.0)
        except (RedisError, OSError, TimeoutError) as exc:
            log.warning("reminder_give_back_failed", claims=len(queued), error=str(exc))


async def _stop(tasks: list[asyncio.Task[None]]) -> None:
    """Cancel the loop's coroutines and wait for them to end. A cancel that got lost inside a
    client library (once, in CI: shutdown waited forever) is sent again, a second apart; what
    still runs after STOP_ATTEMPTS is reported and left to the process's exit."""
    pending = set(tasks)
    for _ in range(STOP_ATTEMPTS):
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=1.0)
        if not pending:
            break
        log.warning("reminder_stop_cancelling_again", tasks=[t.get_name() for t in pending])
    else:
        log.error("reminder_tasks_did_not_stop", tasks=[t.get_name() for t in pending])
    # Their outcomes are taken (a failure already went up through `run`'s gather).
    await asyncio.gather(*(task for task in tasks if task.done()), return_exceptions=True)

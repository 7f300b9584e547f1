"""Local transport, consumer side: one worker per subscriber delivers its pending events to
the handler, in order per partition, with retries, backoff and dead letters."""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import defaultdict
from typing import Any

import asyncpg
import orjson
import structlog

from backend.platform.events.dispatch import dispatch
from backend.platform.events.metrics import DEAD_LETTERS
from backend.platform.events.subscriptions import Delivery, Outcome, Subscription
from backend.platform.events.transports.local import DELIVERIES_CHANNEL
from backend.platform.runtime import Runtime

log = structlog.get_logger("taskflow.events.delivery")

_CLAIM = """
SELECT id, topic, partition_key, event, attempts FROM event_deliveries
WHERE subscriber = $1 AND next_attempt_at <= now()
ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED
"""
# Partitions whose earlier delivery we did not claim (waiting for a retry, or held by another
# worker): delivering ours now would overtake it.
_BLOCKED = """
SELECT DISTINCT partition_key FROM event_deliveries
WHERE subscriber = $1 AND partition_key = ANY($2::text[]) AND id < $3 AND NOT (id = ANY($4::bigint[]))
"""
_DONE = "DELETE FROM event_deliveries WHERE id = ANY($1::bigint[])"
_RETRY = """
UPDATE event_deliveries SET attempts = $2, next_attempt_at = now() + make_interval(secs => $3),
       last_error = $4 WHERE id = $1
"""
_DEAD = """
WITH gone AS (DELETE FROM event_deliveries WHERE id = $1 RETURNING subscriber, topic, event)
INSERT INTO dead_letters (subscriber, topic, event_id, event, reason, attempts)
SELECT subscriber, topic, (event->>'id')::uuid, event, $2, $3 FROM gone
"""
_NEXT_DUE = "SELECT extract(epoch FROM min(next_attempt_at) - now()) FROM event_deliveries WHERE subscriber = $1"


class DeliveryWorker:
    def __init__(
        self,
        runtime: Runtime,
        subscription: Subscription,
        dsn: str,
        pool: asyncpg.Pool,
        *,
        batch_size: int = 200,
        concurrency: int = 64,
        max_attempts: int = 8,
        base_backoff: float = 0.5,
        max_backoff: float = 60.0,
        poll_seconds: float = 1.0,
    ) -> None:
        self.runtime = runtime
        self.subscription = subscription
        self.dsn = dsn
        self.pool = pool
        self.batch_size = batch_size
        self.limit = asyncio.Semaphore(concurrency)
        self.max_attempts = max_attempts
        self.base_backoff = base_backoff
        self.max_backoff = max_backoff
        self.poll_seconds = poll_seconds
        self.wake = asyncio.Event()

    def backoff(self, attempts: int) -> float:
        ceiling = min(self.max_backoff, self.base_backoff * 2 ** (attempts - 1))
        return random.uniform(ceiling / 2, ceiling)

    async def deliver_once(self) -> int:
        """Deliver one batch; returns how many deliveries were claimed."""
        name = self.subscription.name
        async with self.pool.acquire() as connection, connection.transaction():
            rows = await connection.fetch(_CLAIM, name, self.batch_size)
            if not rows:
                return 0
            ids = [r["id"] for r in rows]
            keys = list({r["partition_key"] for r in rows})
            blocked = {r[0] for r in await connection.fetch(_BLOCKED, name, keys, max(ids), ids)}
            partitions: dict[str, list[Any]] = defaultdict(list)
            for row in rows:
                if row["partition_key"] not in blocked:
                    partitions[row["partition_key"]].append(row)
            done: list[int] = []
            failed: list[tuple[int, dict, int, Outcome]] = []
            await asyncio.gather(*(self._partition(p, done, failed) for p in partitions.values()))
            if done:
                await connection.execute(_DONE, done)
            for failure in failed:
                await self._failed(connection, *failure)
            return len(rows)

    async def _partition(
        self, rows: list[Any], done: list[int], failed: list[tuple[int, dict, int, Outcome]]
    ) -> None:
        for row in rows:
            event = orjson.loads(row["event"])
            attempt = row["attempts"] + 1
            delivery = Delivery(
                event=event, topic=row["topic"], runtime=self.runtime, attempt=attempt
            )
            async with self.limit:
                outcome = await dispatch(self.subscription, delivery)
            if outcome is not Outcome.SUCCESS:
                failed.append((row["id"], event, attempt, outcome))
                return  # later events of this partition wait for this one
            done.append(row["id"])

    async def _failed(
        self,
        connection: asyncpg.Connection,
        row_id: int,
        event: dict,
        attempt: int,
        outcome: Outcome,
    ) -> None:
        name = self.subscription.name
        if outcome is Outcome.DROP or attempt >= self.max_attempts:
            reason = (
                "dropped by the subscriber"
                if outcome is Outcome.DROP
                else f"failed {attempt} times"
            )
            await connection.execute(_DEAD, row_id, reason, attempt)
            DEAD_LETTERS.labels(name).inc()
            log.error(
                "event_dead_lettered", subscriber=name, event_id=event.get("id"), reason=reason
            )
            return
        delay = self.backoff(attempt)
        await connection.execute(
            _RETRY, row_id, attempt, delay, f"{outcome.value} on attempt {attempt}"
        )

    async def run(self) -> None:
        """Deliver until cancelled: woken by the relay's NOTIFY, polling as a fallback."""
        listener = await asyncpg.connect(self.dsn)
        await listener.add_listener(DELIVERIES_CHANNEL, lambda *_: self.wake.set())
        try:
            while True:
                try:
                    claimed = await self.deliver_once()
                except (asyncpg.PostgresError, OSError) as exc:
                    log.warning(
                        "delivery_database_error", subscriber=self.subscription.name, error=str(exc)
                    )
                    await asyncio.sleep(self.backoff(2))
                    continue
                if claimed < self.batch_size:
                    await self._sleep()
        finally:
            with contextlib.suppress(Exception):
                await listener.close()

    async def _sleep(self) -> None:
        timeout = self.poll_seconds
        with contextlib.suppress(asyncpg.PostgresError, OSError):
            async with self.pool.acquire() as connection:
                due = await connection.fetchval(_NEXT_DUE, self.subscription.name)
            if due is not None:
                timeout = min(timeout, max(0.0, float(due)))
        # Not asyncio.wait_for, which on Python 3.11 can swallow a cancel (see relay.py).
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(timeout):
                await self.wake.wait()
        self.wake.clear()

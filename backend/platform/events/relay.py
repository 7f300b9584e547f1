"""The outbox relay: publishes committed outbox rows, in order per partition, marking each
only after the transport accepted it. Several relays may run (FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import asyncio
import contextlib
import random
import time

import asyncpg
import orjson
import structlog
from opentelemetry.trace import SpanKind

from backend.platform.events.metrics import EVENTS_PUBLISHED, OUTBOX_BACKLOG, OUTBOX_OLDEST_AGE
from backend.platform.events.outbox import OUTBOX_CHANNEL
from backend.platform.events.transports import OutboxRow, Transport
from backend.platform.tracing import parent_context, tracer

log = structlog.get_logger("taskflow.events.relay")

_CLAIM = """
SELECT id, topic, partition_key, event FROM outbox
WHERE published_at IS NULL ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED
"""
# Partitions with an unpublished row before our rows that we did not claim (another relay
# holds it): publishing ours first would break the order of that partition.
_BLOCKED = """
SELECT DISTINCT partition_key FROM outbox
WHERE published_at IS NULL AND partition_key = ANY($1::text[]) AND id < $2 AND NOT (id = ANY($3::bigint[]))
"""
_MARK = "UPDATE outbox SET published_at = now() WHERE id = ANY($1::bigint[])"
_STATS = "SELECT count(*), extract(epoch FROM now() - min(created_at)) FROM outbox WHERE published_at IS NULL"
_PRUNE = """
DELETE FROM outbox WHERE id IN (
  SELECT id FROM outbox WHERE published_at < now() - make_interval(hours => $1) LIMIT 5000)
"""


def _trace_publish(row: OutboxRow, started_ns: int) -> None:
    """A producer span from claim to hand-off, a child of the request that caused the event."""
    context = parent_context(row.event.get("traceparent"))
    relay_span = tracer.start_span(
        f"publish {row.topic}",
        context=context,
        kind=SpanKind.PRODUCER,
        start_time=started_ns,
        attributes={
            "messaging.message.id": str(row.event.get("id")),
            "messaging.destination.name": row.topic,
        },
    )
    relay_span.end()


class Relay:
    def __init__(
        self,
        dsn: str,
        pool: asyncpg.Pool,
        transport: Transport,
        *,
        batch_size: int = 500,
        poll_seconds: float = 1.0,
        max_backoff_seconds: float = 10.0,
        retention_hours: int = 24,
    ) -> None:
        self.dsn = dsn
        self.pool = pool
        self.transport = transport
        self.batch_size = batch_size
        self.poll_seconds = poll_seconds
        self.max_backoff = max_backoff_seconds
        self.retention_hours = retention_hours
        self._wake = asyncio.Event()
        self._failures = 0

    async def relay_once(self) -> tuple[int, bool]:
        """Publish one batch; returns (rows sendable, whether every sendable row was accepted)."""
        started = time.time_ns()
        async with self.pool.acquire() as connection, connection.transaction():
            records = await connection.fetch(_CLAIM, self.batch_size)
            if not records:
                return 0, True
            rows = [
                OutboxRow(r["id"], r["topic"], r["partition_key"], orjson.loads(r["event"]))
                for r in records
            ]
            ids = [row.id for row in rows]
            blocked = {
                r["partition_key"]
                for r in await connection.fetch(
                    _BLOCKED, list({row.partition_key for row in rows}), max(ids), ids
                )
            }
            sendable = [row for row in rows if row.partition_key not in blocked]
            if blocked:  # look again shortly, once the other relay has published its rows
                asyncio.get_running_loop().call_later(0.02, self._wake.set)
            accepted = await self.transport.publish(connection, sendable) if sendable else set()
            if accepted:
                await connection.execute(_MARK, list(accepted))
            for row in sendable:
                if row.id in accepted:
                    EVENTS_PUBLISHED.labels(row.topic).inc()
                    _trace_publish(row, started)
            return len(sendable), len(accepted) == len(sendable)

    async def run(self) -> None:
        """Relay until cancelled: woken by NOTIFY, polling as a fallback, backing off on failure."""
        listener = await self._listen()
        stats = asyncio.create_task(self._report_and_prune())
        try:
            while True:
                try:
                    claimed, complete = await self.relay_once()
                except (asyncpg.PostgresError, OSError) as exc:
                    log.warning("relay_database_error", error=str(exc))
                    claimed, complete = 0, False
                if not complete:
                    await asyncio.sleep(self._next_backoff())
                    continue
                self._failures = 0
                if claimed < self.batch_size:
                    # Not asyncio.wait_for: on Python 3.11 it swallows a cancel that arrives
                    # as the wake-up does, and the relay then never stops (shutdown hangs).
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(self.poll_seconds):
                            await self._wake.wait()
                    self._wake.clear()
        finally:
            stats.cancel()
            with contextlib.suppress(Exception):
                await listener.close()

    def _next_backoff(self) -> float:
        self._failures += 1
        ceiling = min(self.max_backoff, 0.1 * 2**self._failures)
        return random.uniform(ceiling / 2, ceiling)  # full jitter keeps relays from syncing

    async def _listen(self) -> asyncpg.Connection:
        """A connection of its own that LISTENs for new outbox rows (NOTIFY fires at commit)."""
        connection = await asyncpg.connect(self.dsn)
        await connection.add_listener(OUTBOX_CHANNEL, lambda *_: self._wake.set())
        return connection

    async def _report_and_prune(self) -> None:
        last_prune = 0.0
        while True:
            with contextlib.suppress(asyncpg.PostgresError, OSError):
                async with self.pool.acquire() as connection:
                    backlog, age = await connection.fetchrow(_STATS)
                    OUTBOX_BACKLOG.set(backlog)
                    OUTBOX_OLDEST_AGE.set(float(age or 0))
                    if time.monotonic() - last_prune > 60:
                        await connection.execute(_PRUNE, self.retention_hours)
                        last_prune = time.monotonic()
            await asyncio.sleep(5)

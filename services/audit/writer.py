"""The write buffer: handlers hand over records and wait until their batch is committed.

A batch is written when `flush_size` records wait, when the oldest has waited
`flush_interval`, or when none arrived for `flush_idle`. One transaction per batch: lock the
users' chain heads, skip event ids already stored, COPY the rest straight into the partitioned
table, move the heads. A handler returns (and its event is acknowledged) only after the commit,
so a crash loses nothing that was acknowledged: unacknowledged events are delivered again and
recognised by their id. While a batch is being written the next one gathers, so batches grow
with the load (group commit).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
import redis.asyncio as aioredis
import structlog

from services.audit import chain, checkpoints
from services.audit.metrics import (
    BATCH_SIZE,
    BUFFERED,
    DUPLICATES,
    FLUSH_FAILURES,
    FLUSH_SECONDS,
    WRITTEN,
)
from services.audit.partitions import Partitions, month_of
from services.audit.records import AuditRecord

log = structlog.get_logger("taskflow.audit.writer")
_WRITERS: weakref.WeakSet[AuditWriter] = weakref.WeakSet()
BUFFERED.set_function(lambda: sum(w.buffered for w in list(_WRITERS)))

_STORED = (
    "SELECT event_id, time FROM audit_events "
    "WHERE event_id = ANY($1::uuid[]) AND time >= $2 AND time <= $3"
)
# Errors that one record can cause for its whole batch: the batch is split to find it.
_RECORD_ERRORS = (asyncpg.DataError, asyncpg.IntegrityConstraintViolationError)


class WriterClosed(RuntimeError):
    """The writer is shutting down; the event will be delivered again."""


class RejectedRecord(ValueError):
    """The database refuses this record on its own (it is dropped to the dead letters)."""


@dataclass(frozen=True)
class WriterConfig:
    flush_size: int = 100
    flush_interval: float = 1.0
    flush_idle: float = 0.0
    max_batch: int = 5000
    failure_pause: float = 0.5
    """Pause after a failed batch, so a database outage is not hammered."""


@dataclass(slots=True)
class _Pending:
    record: AuditRecord
    future: asyncio.Future[bool]
    arrived: float


class AuditWriter:
    def __init__(
        self,
        dsn: str,
        config: WriterConfig | None = None,
        *,
        key: bytes,
        redis: aioredis.Redis | None = None,
    ) -> None:
        """`key` signs the chain (AUDIT_CHAIN_KEY); `redis` keeps its checkpoints."""
        self.dsn = dsn
        self.key = key
        self.redis = redis
        self.config = config or WriterConfig()
        self.partitions = Partitions()
        self._buffer: deque[_Pending] = deque()
        self._signal = asyncio.Event()
        self._last_arrival = 0.0
        self._task: asyncio.Task[None] | None = None
        self._pool: asyncpg.Pool | None = None
        self._closed = False
        self._batch_limit = max(self.config.max_batch, self.config.flush_size)
        self._known_users: set[str] = set()
        """Users whose chain head exists (heads are never deleted), so it is not re-inserted."""
        _WRITERS.add(self)

    async def write(self, record: AuditRecord) -> bool:
        """Wait until `record` is durably stored: True, or already stored before: False."""
        if self._closed:
            raise WriterClosed("the audit writer is shutting down")
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name="audit-writer")
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        now = time.monotonic()
        self._buffer.append(_Pending(record, future, now))
        self._last_arrival = now
        if len(self._buffer) in (1, self.config.flush_size):
            self._signal.set()
        return await future

    @property
    def buffered(self) -> int:
        return len(self._buffer)

    async def close(self, grace_seconds: float = 15.0) -> None:
        """Write what is buffered, then stop; what cannot be written is failed (redelivered)."""
        self._closed = True
        self._signal.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), grace_seconds)
            except (TimeoutError, Exception):
                self._task.cancel()
                with contextlib.suppress(BaseException):
                    await self._task
        self._fail(list(self._buffer), WriterClosed("the audit writer stopped"))
        self._buffer.clear()
        if self._pool is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._pool.close(), 5)
            self._pool = None

    async def _run(self) -> None:
        while True:
            await self._due()
            if not self._buffer:
                return  # closed and drained
            batch = [
                self._buffer.popleft() for _ in range(min(len(self._buffer), self._batch_limit))
            ]
            try:
                await self._flush(batch)
            except BaseException:
                self._fail(batch, WriterClosed("the audit writer stopped"))
                raise

    async def _due(self) -> None:
        """Return when a batch should be written (or the writer closed)."""
        config = self.config
        while True:
            if self._closed or len(self._buffer) >= config.flush_size:
                return
            if not self._buffer:
                self._signal.clear()
                await self._signal.wait()
                continue
            deadline = self._buffer[0].arrived + config.flush_interval
            if config.flush_idle > 0:
                deadline = min(deadline, self._last_arrival + config.flush_idle)
            wait = deadline - time.monotonic()
            if wait <= 0:
                return
            self._signal.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._signal.wait()

    async def _flush(self, batch: Sequence[_Pending]) -> None:
        """Write one batch and settle its waiters; a record the database refuses is isolated."""
        started = time.perf_counter()
        try:
            stored = await self._write([p.record for p in batch])
        except _RECORD_ERRORS as exc:
            self.partitions.forget()  # "no partition for row" is one of these
            if len(batch) == 1:
                log.error(
                    "audit_record_rejected", event_id=str(batch[0].record.event_id), error=str(exc)
                )
                self._fail(batch, RejectedRecord(str(exc)))
                return
            middle = len(batch) // 2
            await self._flush(batch[:middle])
            await self._flush(batch[middle:])
            return
        except Exception as exc:
            FLUSH_FAILURES.inc()
            log.warning(
                "audit_flush_failed", events=len(batch), error=f"{type(exc).__name__}: {exc}"
            )
            self._fail(batch, exc)
            await asyncio.sleep(self.config.failure_pause)
            return
        FLUSH_SECONDS.observe(time.perf_counter() - started)
        BATCH_SIZE.observe(len(batch))
        WRITTEN.inc(len(stored))
        DUPLICATES.inc(len(batch) - len(stored))
        for pending in batch:
            first = pending.record.event_id in stored
            stored.discard(pending.record.event_id)  # a second copy in the batch is a duplicate
            if not pending.future.done():
                pending.future.set_result(first)

    async def _write(self, records: list[AuditRecord]) -> set[str]:
        """One transaction; returns the event ids it stored (the others were stored before)."""
        first: dict[str, AuditRecord] = {}
        for record in records:
            first.setdefault(record.event_id, record)
        unique = list(first.values())
        pool = await self._connect()
        async with pool.acquire() as connection:
            await self.partitions.ensure(connection, {month_of(r.time) for r in unique})
            async with connection.transaction():
                users = [r.user_id for r in unique]
                heads = await chain.lock_heads(connection, users, known=self._known_users)
                found = await connection.fetch(
                    _STORED,
                    [r.event_id for r in unique],
                    min(r.time for r in unique),
                    max(r.time for r in unique),
                )
                known = {(str(row["event_id"]), row["time"]) for row in found}
                fresh = [r for r in unique if (r.event_id, r.time) not in known]
                moved = {u: heads[u] for u in {r.user_id for r in fresh}}
                if fresh:
                    rows = chain.link(fresh, heads, key=self.key)
                    await connection.copy_records_to_table(
                        "audit_events", records=rows, columns=chain.COLUMNS
                    )
                    moved = {u: heads[u] for u in moved}
                    await chain.save_heads(connection, moved)
        await checkpoints.record_quietly(self.redis, moved)
        if len(self._known_users) > 1_000_000:
            self._known_users.clear()
        self._known_users.update(heads)
        return {r.event_id for r in fresh}

    async def _connect(self) -> asyncpg.Pool:
        if self._pool is None:
            self._pool = await asyncpg.create_pool(self.dsn, min_size=1, max_size=2)
        return self._pool

    @staticmethod
    def _fail(batch: Sequence[_Pending], exc: BaseException) -> None:
        for pending in batch:
            if not pending.future.done():
                pending.future.set_exception(exc)
                pending.future.exception()  # a waiter that gave up must not log "never retrieved"

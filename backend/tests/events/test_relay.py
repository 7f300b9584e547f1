"""Two relays on one outbox, over a transport that is slow and fails now and then: every row
is handed on exactly once, each partition in order, and none stays unpublished."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import defaultdict

import asyncpg
import orjson

from backend.platform.events.relay import Relay
from backend.platform.events.transports import OutboxRow
from backend.platform.settings import asyncpg_dsn
from backend.tests.events.conftest import eventually

TOPIC = "relay-test"


class FlakyRecorder:
    """Accepts rows after a random pause, refusing about one in eight."""

    def __init__(self, log: list[tuple[str, int]]) -> None:
        self.log = log

    async def publish(self, connection: asyncpg.Connection, rows: list[OutboxRow]) -> set[int]:
        accepted: set[int] = set()
        stopped: set[str] = set()
        for row in rows:
            if row.partition_key in stopped:
                continue
            await asyncio.sleep(random.uniform(0, 0.002))
            if random.random() < 0.125:
                stopped.add(row.partition_key)  # a refusal stops the partition, like Dapr's
                continue
            self.log.append((row.partition_key, row.event["seq"]))
            accepted.add(row.id)
        return accepted

    async def close(self) -> None:
        return None


async def _stage(connection: asyncpg.Connection, partitions: list[str], per: int) -> None:
    for seq in range(per):
        rows = [
            (uuid.uuid4(), TOPIC, key, "com.taskflow.test", orjson.dumps({"seq": seq}).decode())
            for key in partitions
        ]
        await connection.executemany(
            "INSERT INTO outbox (event_id, topic, partition_key, event_type, event) "
            "VALUES ($1, $2, $3, $4, $5::jsonb)",
            rows,
        )
        await asyncio.sleep(0.01)


async def test_two_relays_keep_each_partition_in_order_and_publish_once(events_database_url):
    dsn = asyncpg_dsn(events_database_url)
    pool = await asyncpg.create_pool(dsn, min_size=2, max_size=6)
    partitions = [f"relay-test-{uuid.uuid4()}" for _ in range(8)]
    log: list[tuple[str, int]] = []
    relays = [
        Relay(dsn, pool, FlakyRecorder(log), batch_size=7, max_backoff_seconds=0.05)
        for _ in range(2)
    ]
    tasks = [asyncio.create_task(relay.run()) for relay in relays]
    try:
        async with pool.acquire() as connection:
            await _stage(connection, partitions, per=40)

            async def drained() -> bool:
                return not await connection.fetchval(
                    "SELECT count(*) FROM outbox WHERE published_at IS NULL "
                    "AND partition_key = ANY($1::text[])",
                    partitions,
                )

            assert await eventually(drained, timeout=30), "rows left unpublished"
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        async with pool.acquire() as connection:
            await connection.execute(
                "DELETE FROM outbox WHERE partition_key = ANY($1::text[])", partitions
            )
        await pool.close()
    by_partition: dict[str, list[int]] = defaultdict(list)
    for key, seq in log:
        by_partition[key].append(seq)
    assert by_partition == {key: list(range(40)) for key in partitions}

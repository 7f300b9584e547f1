"""Benchmark: the event backbone with the local transport.

1. ceiling   — a plain INSERT loop into the outbox (one transaction per event, 8 writers): the
               rate at which events can be written at all.
2. throughput — a backlog of events drained by the real relay and a delivery worker calling a
               trivial handler: events/s from outbox to handler.
3. latency   — events committed at a steady rate below saturation; commit-to-handler p50/p99.

    .venv/bin/python scripts/bench/events.py [--quick]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
import uuid
from pathlib import Path

import asyncpg
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import environment_urls, percentile

from backend.platform.events.cloudevent import make_cloudevent
from backend.platform.events.delivery import DeliveryWorker
from backend.platform.events.relay import Relay
from backend.platform.events.subscriptions import Delivery, Subscription
from backend.platform.events.transports.local import LocalTransport
from backend.platform.runtime import Runtime
from backend.platform.settings import Settings, asyncpg_dsn

INSERT = (
    "INSERT INTO outbox (event_id, topic, partition_key, event_type, event) "
    "VALUES ($1, 'task-events', $2, 'com.taskflow.task.updated', $3::jsonb)"
)


def new_event(partition: str) -> tuple[uuid.UUID, str, str]:
    event = make_cloudevent(
        type="com.taskflow.task.updated",
        source="bench",
        subject=partition,
        data={"user_id": "bench", "task": {"id": partition, "title": "x" * 200}, "version": 1},
    )
    return uuid.UUID(event["id"]), partition, orjson.dumps(event).decode()


async def ceiling(dsn: str, seconds: float) -> float:
    pool = await asyncpg.create_pool(dsn, min_size=8, max_size=8)
    count = 0
    deadline = time.perf_counter() + seconds

    async def writer() -> None:
        nonlocal count
        partition = str(uuid.uuid4())
        async with pool.acquire() as connection:
            while time.perf_counter() < deadline:
                async with connection.transaction():
                    await connection.execute(INSERT, *new_event(partition))
                count += 1

    started = time.perf_counter()
    await asyncio.gather(*(writer() for _ in range(8)))
    elapsed = time.perf_counter() - started
    await connection_cleanup(pool)
    return count / elapsed


async def connection_cleanup(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as connection:
        await connection.execute(
            "UPDATE outbox SET published_at = now() WHERE published_at IS NULL"
        )
    await pool.close()


class Backbone:
    """The real relay and one delivery worker, with a handler that timestamps arrivals."""

    def __init__(self, runtime: Runtime, dsn: str) -> None:
        self.runtime = runtime
        self.dsn = dsn
        self.arrivals: dict[str, float] = {}
        self.subscription = Subscription(
            name="bench.task-events", topic="task-events", handler=self.handle, route="/bench"
        )

    async def handle(self, delivery: Delivery) -> None:
        self.arrivals[delivery.id] = time.perf_counter()

    async def __aenter__(self) -> Backbone:
        self.pool = await asyncpg.create_pool(self.dsn, min_size=2, max_size=6)
        relay = Relay(self.dsn, self.pool, LocalTransport([self.subscription]), batch_size=500)
        worker = DeliveryWorker(
            self.runtime, self.subscription, self.dsn, self.pool, batch_size=500
        )
        self.tasks = [asyncio.create_task(relay.run()), asyncio.create_task(worker.run())]
        return self

    async def __aexit__(self, *exc: object) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.pool.close()


async def throughput(runtime: Runtime, dsn: str, events: int, partitions: int) -> float:
    connection = await asyncpg.connect(dsn)
    keys = [str(uuid.uuid4()) for _ in range(partitions)]
    await connection.executemany(INSERT, [new_event(keys[i % partitions]) for i in range(events)])
    await connection.close()
    backbone = Backbone(runtime, dsn)
    started = time.perf_counter()
    async with backbone:
        while len(backbone.arrivals) < events:
            await asyncio.sleep(0.01)
    return events / (time.perf_counter() - started)


async def latency(runtime: Runtime, dsn: str, rate: float, seconds: float) -> list[float]:
    pool = await asyncpg.create_pool(dsn, min_size=4, max_size=4)
    committed: dict[str, float] = {}
    backbone = Backbone(runtime, dsn)
    async with backbone:
        interval = 1 / rate
        started = time.perf_counter()
        sent = 0

        async def produce(event: tuple[uuid.UUID, str, str]) -> None:
            async with pool.acquire() as connection, connection.transaction():
                await connection.execute(INSERT, *event)
            committed[str(event[0])] = time.perf_counter()

        producers = []
        while time.perf_counter() - started < seconds:
            producers.append(asyncio.create_task(produce(new_event(str(uuid.uuid4())))))
            sent += 1
            await asyncio.sleep(max(0.0, started + sent * interval - time.perf_counter()))
        await asyncio.gather(*producers)
        deadline = time.perf_counter() + 30
        while len(set(committed) - set(backbone.arrivals)) and time.perf_counter() < deadline:
            await asyncio.sleep(0.01)
    await pool.close()
    missing = set(committed) - set(backbone.arrivals)
    if missing:
        print(f"bench: {len(missing)} events never reached the handler", file=sys.stderr)
    return [backbone.arrivals[i] - committed[i] for i in committed if i in backbone.arrivals]


async def measure(database_url: str, redis_url: str, events: int, seconds: float, rate: float):
    dsn = asyncpg_dsn(database_url)
    runtime = Runtime.open(Settings(_env_file=None, database_url=database_url, redis_url=redis_url))
    try:
        insert_rate = await ceiling(dsn, seconds)
        drained = await throughput(runtime, dsn, events, partitions=1_000)
        lags = await latency(runtime, dsn, rate, seconds)
    finally:
        await runtime.close()
    return insert_rate, drained, lags


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rate", type=float, default=1000.0, help="events/s for the latency run")
    args = parser.parse_args()
    events, seconds = (5_000, 3.0) if args.quick else (20_000, 10.0)
    with environment_urls() as (database_url, redis_url):
        insert_rate, drained, lags = asyncio.run(
            measure(database_url, redis_url, events, seconds, args.rate)
        )
    p50, p99 = percentile(lags, 50) * 1000, percentile(lags, 99) * 1000
    print("\nEvent backbone, local transport (same run)")
    print(f"{'measure':<46}{'value':>14}{'ratio':>10}")
    print("-" * 70)
    print(
        f"{'ceiling: plain INSERT loop into the outbox':<46}{insert_rate:>10.0f} ev/s{'(base)':>10}"
    )
    print(
        f"{'relay + delivery throughput (backlog drain)':<46}{drained:>10.0f} ev/s{drained / insert_rate:>10.2f}"
    )
    print(f"{f'commit-to-handler p50 at {args.rate:.0f} ev/s':<46}{p50:>11.1f} ms")
    print(f"{f'commit-to-handler p99 at {args.rate:.0f} ev/s':<46}{p99:>11.1f} ms")
    print(f"{'events measured for latency':<46}{len(lags):>14}")
    print("goal: >= 2,000 events/s sustained; p99 commit-to-handler <= 50 ms")


if __name__ == "__main__":
    main()

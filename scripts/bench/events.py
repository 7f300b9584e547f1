"""Benchmark: the event backbone, with the local transport or through real Dapr and Kafka.

--transport local (default):
1. ceiling   — a plain INSERT loop into the outbox (one transaction per event, 8 writers): the
               rate at which events can be written at all.
2. throughput — a backlog of events drained by the real relay and a delivery worker calling a
               trivial handler: events/s from outbox to handler.
3. latency   — events committed at a steady rate below saturation; commit-to-handler p50/p99.

--transport dapr (needs `taskflow dapr install`): Kafka (KRaft), the api's daprd and a subscriber
service behind its own daprd (scripts/bench/dapr_topology.py), per partition count:
1. backlog drain — events committed to the outbox, relayed through the api's sidecar, handled by
               the subscriber: events/s, next to a raw aiokafka producer → consumer carrying the
               same events on a topic with as many partitions (the same-run baseline).
2. latency   — commit-to-handler p50/p99 at a steady --rate (500/s), baseline send-to-consumer.
3. lost      — events committed that never reached the handler (and deliveries doubled).
and once: the sidecar's publish overhead, one event at a time, against aiokafka send_and_wait.

    .venv/bin/python scripts/bench/events.py [--quick]
    .venv/bin/python scripts/bench/events.py --transport dapr [--partitions 1 4 12] [--quick]
        [--client aiohttp]
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import logging
import os
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
INSERT_TO = (
    "INSERT INTO outbox (event_id, topic, partition_key, event_type, event) "
    "VALUES ($1, $4, $2, 'com.taskflow.task.updated', $3::jsonb)"
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


def run_local(args: argparse.Namespace) -> None:
    events, seconds = (5_000, 3.0) if args.quick else (20_000, 10.0)
    args.rate = args.rate or 1000.0
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


def run_dapr(args: argparse.Namespace) -> None:
    from dapr_topology import DaprBench
    from events_dapr import (
        AiohttpPublisher,
        dapr_path,
        delivery_only,
        preload,
        publish_overhead,
        raw_path,
    )

    from backend.platform.events.transports.dapr import DaprPublisher
    from backend.topology.kafka import Topic
    from backend.topology.toolchain import DAPR_VERSION, KAFKA_VERSION

    # A new topic's partitions have no leader for a moment: aiokafka warns, retries and succeeds.
    logging.getLogger("aiokafka").setLevel(logging.ERROR)
    events, seconds, singles = (5_000, 5.0, 300) if args.quick else (20_000, 10.0, 1_000)
    rate = args.rate or 500.0
    client = DaprPublisher
    if args.client == "aiohttp":
        from dapr_sdk import sdk_path

        sys.path.append(str(sdk_path()))
        client = AiohttpPublisher
    keys = [str(uuid.uuid4()) for _ in range(1_000)]
    turn = itertools.count()

    def new_events(count: int, topic: str) -> list[tuple]:
        return [(*new_event(keys[next(turn) % len(keys)]), topic) for _ in range(count)]

    results = []
    # BENCH_DAPR_DIR keeps the broker's data and every process's log there (default: a temp dir).
    workdir = Path(os.environ["BENCH_DAPR_DIR"]) if os.environ.get("BENCH_DAPR_DIR") else None
    with environment_urls() as (database_url, redis_url), DaprBench(workdir) as bench:
        settings = Settings(
            _env_file=None,
            database_url=database_url,
            redis_url=redis_url,
            event_transport="dapr",
            dapr_http_port=bench.publisher.http_port,
            dapr_api_token=bench.api_token,
        )
        dsn = asyncpg_dsn(database_url)
        for partitions in args.partitions:
            topic = f"bench-{partitions}p"
            raw_topic = f"{topic}-raw"
            bench.create_topics(
                Topic(topic, partitions),
                Topic(f"{topic}-dlq", partitions),
                Topic(raw_topic, partitions),
            )
            print(
                f"▸ {partitions} partition(s): raw aiokafka baseline", file=sys.stderr, flush=True
            )
            raw_drain, raw_lags = asyncio.run(
                raw_path(
                    bench.bootstrap,
                    raw_topic,
                    partitions,
                    lambda n, t=raw_topic: new_events(n, t),
                    events=events,
                    rate=rate,
                    seconds=seconds,
                )
            )
            print(f"▸ {partitions} partition(s): through daprd", file=sys.stderr, flush=True)
            preloaded = new_events(events, topic)
            asyncio.run(preload(bench.bootstrap, topic, preloaded))
            with bench.subscriber(topic) as subscriber_url:
                delivered, preload_lost = asyncio.run(
                    delivery_only(subscriber_url, {str(e[0]) for e in preloaded})
                )
                dapr = asyncio.run(
                    dapr_path(
                        dsn,
                        settings,
                        subscriber_url,
                        lambda n, t=topic: new_events(n, t),
                        INSERT_TO,
                        events=events,
                        rate=rate,
                        seconds=seconds,
                        client=client,
                    )
                )
            dapr.lost += preload_lost
            dapr.committed += len(preloaded)
            results.append((partitions, raw_drain, raw_lags, delivered, dapr))
        bench.create_topics(Topic("bench-publish", 1))
        raw_single, dapr_single = asyncio.run(
            publish_overhead(settings, bench.bootstrap, "bench-publish", singles, client)
        )

    def ms(values: list[float], p: float) -> str:
        return f"{percentile(values, p) * 1000:>9.1f} ms"

    print(f"\nEvent backbone through daprd {DAPR_VERSION} and Kafka {KAFKA_VERSION} (same run)")
    print(f"{events:,} events drained; latency at a steady {rate:.0f} events/s for {seconds:.0f} s")
    print(f"the relay's publisher: {client.__name__} ({args.client})")
    for partitions, raw_drain, raw_lags, delivered, dapr in results:
        print(f"\ntopic with {partitions} partition(s)")
        print(f"{'measure':<50}{'raw aiokafka':>14}{'through Dapr':>14}{'ratio':>8}")
        print("-" * 86)
        print(
            f"{'backlog drain (events/s)':<50}{raw_drain:>14.0f}{dapr.drained:>14.0f}"
            f"{dapr.drained / raw_drain:>8.2f}"
        )
        print(
            f"{'  relay → api daprd → Kafka (outbox emptied, ev/s)':<50}{'':>14}"
            f"{dapr.published:>14.0f}{dapr.published / raw_drain:>8.2f}"
        )
        print(
            f"{'  Kafka → subscriber daprd → handler only (ev/s)':<50}{'':>14}"
            f"{delivered:>14.0f}{delivered / raw_drain:>8.2f}"
        )
        for p in (50, 99):
            raw_p, dapr_p = percentile(raw_lags, p), percentile(dapr.lags, p)
            print(
                f"{f'commit-to-handler p{p} at {rate:.0f} ev/s (ms)':<50}{raw_p * 1000:>14.1f}"
                f"{dapr_p * 1000:>14.1f}{dapr_p / raw_p:>8.1f}"
            )
        print(
            f"{'events sent / lost / delivered twice':<50}{'':>14}"
            f"{f'{dapr.committed} / {dapr.lost} / {dapr.duplicates}':>22}"
        )
    print(f"\npublishing one event at a time ({singles} each, acks=all)")
    print(f"{'':<50}{'p50':>12}{'p99':>12}")
    print("-" * 74)
    print(f"{'aiokafka send_and_wait':<50}{ms(raw_single, 50)}{ms(raw_single, 99)}")
    print(
        f"{f'POST /v1.0/publish to daprd ({client.__name__})':<50}{ms(dapr_single, 50)}{ms(dapr_single, 99)}"
    )
    overhead = (percentile(dapr_single, 50) - percentile(raw_single, 50)) * 1000
    print(f"{'sidecar overhead':<50}{overhead:>+9.1f} ms   (Dapr reports +0.5 ms p50)")
    print(
        "goals: >= 0.5 of the baseline's events/s; p99 commit-to-handler <= 100 ms at 500/s; 0 lost"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transport", choices=("local", "dapr"), default="local")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--rate", type=float, help="events/s for the latency run (local 1000, dapr 500)"
    )
    parser.add_argument(
        "--partitions",
        type=int,
        nargs="+",
        default=[1, 4, 12],
        help="dapr: the topic's partition counts to measure (12 is what `taskflow up --dapr` makes)",
    )
    parser.add_argument(
        "--client",
        choices=("httpx", "aiohttp"),
        default="httpx",
        help="dapr: the relay's HTTP client (httpx: DaprPublisher as shipped; aiohttp: the same "
        "call made with aiohttp, to see how much of the publish half is the client)",
    )
    args = parser.parse_args()
    if args.transport == "dapr":
        run_dapr(args)
    else:
        run_local(args)


if __name__ == "__main__":
    main()

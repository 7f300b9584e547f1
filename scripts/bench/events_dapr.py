"""The measurements of `events.py --transport dapr`: the production path through real daprd and
Kafka next to a raw aiokafka producer → consumer on the same broker, same partition count.

Dapr path: events committed to the outbox, published by the real relay through the api's
sidecar (`DaprTransport`), delivered by the subscriber's sidecar to `dapr_subscriber.py`.
Baseline: the same CloudEvents, keyed by the same partition keys, produced with aiokafka
(acks=all, as Dapr's Kafka producer) to a topic with as many partitions, and consumed with an
aiokafka consumer that parses each one.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import asyncpg
import httpx
import orjson
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from backend.platform.events.relay import Relay
from backend.platform.events.transports.dapr import DaprPublisher, DaprTransport
from backend.platform.settings import Settings

WARMUP = 50
Client = Callable[[Settings], DaprPublisher]


class AiohttpPublisher(DaprPublisher):
    """`DaprPublisher` with its HTTP call made by aiohttp instead of httpx (same URL, headers,
    body and answer): how much of the publish half is the HTTP client. aiohttp is not a TaskFlow
    dependency; it comes with the dapr SDK that dapr_sdk.py installs beside the venv."""

    def __init__(self, settings: Settings) -> None:
        import aiohttp

        super().__init__(settings)
        self.session = aiohttp.ClientSession(headers=dict(self.client.headers))

    async def send(self, topic: str, event: dict, *, partition_key: str) -> bool:
        async with self.session.post(
            f"{self.base}/v1.0/publish/{self.pubsub}/{topic}",
            params={"metadata.partitionKey": partition_key},
            data=orjson.dumps(event),
        ) as response:
            return response.status == 204

    async def close(self) -> None:
        await self.session.close()
        await super().close()


WAIT_SECONDS = 60.0


@dataclass
class DaprPath:
    published: float
    drained: float
    lags: list[float]
    committed: int
    lost: int
    duplicates: int


# --- the Dapr path -----------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def relaying(
    dsn: str, settings: Settings, client: Client = DaprPublisher
) -> AsyncIterator[None]:
    """The real relay publishing through the api's sidecar, as the api runs it."""
    pool = await asyncpg.create_pool(dsn, min_size=2, max_size=6)
    relay = Relay(dsn, pool, DaprTransport(client(settings)), batch_size=500)
    task = asyncio.create_task(relay.run())
    try:
        yield
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await relay.transport.close()
        await pool.close()


class Subscriber:
    """The subscriber service's counts and arrival times, read over HTTP."""

    def __init__(self, url: str) -> None:
        self.http = httpx.AsyncClient(base_url=url, timeout=30)

    async def count(self) -> tuple[int, int]:
        body = (await self.http.get("/bench/count")).json()
        return body["unique"], body["deliveries"]

    async def wait_for(self, unique: int, timeout: float = WAIT_SECONDS) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (await self.count())[0] >= unique:
                return True
            await asyncio.sleep(0.02)
        return False

    async def arrivals(self) -> dict[str, float]:
        return (await self.http.get("/bench/arrivals")).json()

    async def close(self) -> None:
        await self.http.aclose()


async def dapr_path(
    dsn: str,
    settings: Settings,
    subscriber_url: str,
    new_events: Callable[[int], list[tuple]],
    insert: str,
    *,
    events: int,
    rate: float,
    seconds: float,
    client: Client = DaprPublisher,
) -> DaprPath:
    """Drain events/s, commit→handler lags at `rate`, and what was lost or doubled."""
    subscriber = Subscriber(subscriber_url)
    try:
        return await _dapr_path(
            dsn,
            settings,
            subscriber,
            new_events,
            insert,
            events=events,
            rate=rate,
            seconds=seconds,
            client=client,
        )
    finally:
        await subscriber.close()


async def _dapr_path(
    dsn: str,
    settings: Settings,
    subscriber: Subscriber,
    new_events: Callable[[int], list[tuple]],
    insert: str,
    *,
    events: int,
    rate: float,
    seconds: float,
    client: Client,
) -> DaprPath:
    committed: set[str] = set()
    base, _ = await subscriber.count()  # events that reached it before (the preloaded ones)
    connection = await asyncpg.connect(dsn)
    try:
        warmup = new_events(WARMUP)
        async with relaying(dsn, settings, client):  # consumers assigned, connections open
            await connection.executemany(insert, warmup)
            committed |= {str(e[0]) for e in warmup}
            if not await subscriber.wait_for(base + len(committed)):
                raise RuntimeError("warm-up events did not reach the subscriber in 60 s")
            await _outbox_empty(dsn, 0.0)  # marked published: a stopped relay sends none again
        backlog = new_events(events)
        await connection.executemany(insert, backlog)
        committed |= {str(e[0]) for e in backlog}
    finally:
        await connection.close()

    started = time.monotonic()
    async with relaying(dsn, settings, client):
        relayed = asyncio.create_task(_outbox_empty(dsn, started))
        await subscriber.wait_for(base + len(committed), timeout=600)
        drained = events / (time.monotonic() - started)
        published = events / await relayed
        lags, ids = await _steady_commits(dsn, subscriber, new_events, insert, rate, seconds)
        committed |= ids
        await subscriber.wait_for(base + len(committed))
    arrived = await subscriber.arrivals()
    unique, deliveries = await subscriber.count()
    return DaprPath(
        published=published,
        drained=drained,
        lags=lags,
        committed=len(committed),
        lost=len(committed - set(arrived)),
        duplicates=deliveries - unique,
    )


async def _outbox_empty(dsn: str, started: float) -> float:
    """Seconds from `started` until the relay has published every outbox row."""
    connection = await asyncpg.connect(dsn)
    try:
        while await connection.fetchval("SELECT count(*) FROM outbox WHERE published_at IS NULL"):
            await asyncio.sleep(0.05)
        return time.monotonic() - started
    finally:
        await connection.close()


async def _steady_commits(
    dsn: str,
    subscriber: Subscriber,
    new_events: Callable[[int], list[tuple]],
    insert: str,
    rate: float,
    seconds: float,
) -> tuple[list[float], set[str]]:
    pool = await asyncpg.create_pool(dsn, min_size=4, max_size=4)
    committed: dict[str, float] = {}

    async def commit(event: tuple) -> None:
        async with pool.acquire() as connection, connection.transaction():
            await connection.execute(insert, *event)
        committed[str(event[0])] = time.monotonic()

    before, _ = await subscriber.count()
    await _at_rate(rate, seconds, lambda: commit(new_events(1)[0]))
    await pool.close()
    await subscriber.wait_for(before + len(committed))
    arrivals = await subscriber.arrivals()
    lags = [arrivals[i] - t for i, t in committed.items() if i in arrivals]
    return lags, set(committed)


async def _at_rate(rate: float, seconds: float, start_one: Callable) -> None:
    """Start `start_one()` `rate` times a second for `seconds`, on schedule, then await them."""
    interval = 1 / rate
    started = time.monotonic()
    sent = 0
    pending = []
    while time.monotonic() - started < seconds:
        pending.append(asyncio.create_task(start_one()))
        sent += 1
        await asyncio.sleep(max(0.0, started + sent * interval - time.monotonic()))
    await asyncio.gather(*pending)


async def preload(bootstrap: str, topic: str, events: list[tuple]) -> None:
    """Put `events` on the topic directly, before its subscriber starts."""
    kafka = producer(bootstrap)
    await kafka.start()
    try:
        await asyncio.gather(*[await _send(kafka, topic, e) for e in events])
    finally:
        await kafka.stop()


async def delivery_only(subscriber_url: str, ids: set[str]) -> tuple[float, int]:
    """(events/s from the first arrival to the last, events lost) for a preloaded backlog: the
    subscriber's sidecar reading Kafka and calling the app, nothing else."""
    subscriber = Subscriber(subscriber_url)
    try:
        await subscriber.wait_for(len(ids), timeout=600)
        arrivals = await subscriber.arrivals()
    finally:
        await subscriber.close()
    times = [arrivals[i] for i in ids if i in arrivals]
    rate = (len(times) - 1) / (max(times) - min(times)) if len(times) > 1 else float("nan")
    return rate, len(ids) - len(times)


# --- the baseline: raw aiokafka --------------------------------------------------------------


def producer(bootstrap: str) -> AIOKafkaProducer:
    # acks=all as Dapr's Kafka producer (sarama WaitForAll); no compression, as Dapr's default.
    return AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")


class RawConsumer:
    """Every partition of `topic` assigned directly (no group to join), parsing each event."""

    def __init__(self, bootstrap: str, topic: str, partitions: int) -> None:
        self.consumer = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
        )
        self.assigned = [TopicPartition(topic, p) for p in range(partitions)]
        self.arrivals: dict[str, float] = {}

    async def __aenter__(self) -> RawConsumer:
        await self.consumer.start()
        self.consumer.assign(self.assigned)
        self.task = asyncio.create_task(self._consume())
        return self

    async def _consume(self) -> None:
        while True:
            batches = await self.consumer.getmany(timeout_ms=100)
            for messages in batches.values():
                for message in messages:
                    event = orjson.loads(message.value)
                    self.arrivals.setdefault(event["id"], time.monotonic())

    async def wait_for(self, count: int, timeout: float = WAIT_SECONDS) -> None:
        deadline = time.monotonic() + timeout
        while len(self.arrivals) < count and time.monotonic() < deadline:
            await asyncio.sleep(0.005)

    async def __aexit__(self, *exc: object) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        await self.consumer.stop()


async def raw_path(
    bootstrap: str,
    topic: str,
    partitions: int,
    new_events: Callable[[int], list[tuple]],
    *,
    events: int,
    rate: float,
    seconds: float,
) -> tuple[float, list[float]]:
    """(drain events/s, send→consumer lags at `rate`) for the same events on a raw topic."""
    kafka = producer(bootstrap)
    await kafka.start()
    try:
        async with RawConsumer(bootstrap, topic, partitions) as consumer:
            warmup = new_events(WARMUP)
            await asyncio.gather(*[await _send(kafka, topic, e) for e in warmup])
            await consumer.wait_for(WARMUP)

            backlog = new_events(events)
            started = time.monotonic()
            sent = [await _send(kafka, topic, e) for e in backlog]
            await consumer.wait_for(WARMUP + events, timeout=600)
            drained = events / (time.monotonic() - started)
            await asyncio.gather(*sent)

            stamps: dict[str, float] = {}

            async def send_one() -> None:
                event = new_events(1)[0]
                stamps[str(event[0])] = time.monotonic()
                await (await _send(kafka, topic, event))

            await _at_rate(rate, seconds, send_one)
            await consumer.wait_for(WARMUP + events + len(stamps))
            lags = [consumer.arrivals[i] - t for i, t in stamps.items() if i in consumer.arrivals]
    finally:
        await kafka.stop()
    return drained, lags


async def _send(kafka: AIOKafkaProducer, topic: str, event: tuple) -> asyncio.Future:
    _, partition_key, body = event[:3]
    return await kafka.send(topic, body.encode(), key=partition_key.encode())


# --- publish overhead: one event at a time -----------------------------------------------------


async def publish_overhead(
    settings: Settings, bootstrap: str, topic: str, count: int, client: Client = DaprPublisher
) -> tuple[list[float], list[float]]:
    """Seconds per publish, one at a time: (aiokafka send_and_wait, DaprPublisher.send)."""
    raw: list[float] = []
    dapr: list[float] = []
    kafka = producer(bootstrap)
    await kafka.start()
    publisher = client(settings)
    body = orjson.dumps({"id": "x", "type": "bench", "data": {"title": "x" * 200}})
    try:
        for i in range(WARMUP + count):
            key = str(uuid.uuid4())
            started = time.perf_counter()
            await kafka.send_and_wait(topic, body, key=key.encode())
            if i >= WARMUP:
                raw.append(time.perf_counter() - started)
            event = {
                "id": str(uuid.uuid4()),
                "type": "bench",
                "source": "bench",
                "specversion": "1.0",
                "data": {"title": "x" * 200},
            }
            started = time.perf_counter()
            if not await publisher.send(topic, event, partition_key=key):
                raise RuntimeError("the api's sidecar refused a publish; see its log")
            if i >= WARMUP:
                dapr.append(time.perf_counter() - started)
    finally:
        await kafka.stop()
        await publisher.close()
    return raw, dapr

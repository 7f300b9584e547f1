"""Wires a process's event backbone to its settings: the relay (for processes that write the
outbox), the transport, the local delivery workers, and `publish` for non-outbox events."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import Any

import asyncpg
from sqlalchemy.dialects.postgresql import insert as pg_insert

from backend.platform.events.delivery import DeliveryWorker
from backend.platform.events.outbox import OutboxEvent, outbox_values
from backend.platform.events.relay import Relay
from backend.platform.events.subscriptions import Subscription
from backend.platform.events.transports import Transport
from backend.platform.events.transports.dapr import DaprPublisher, DaprTransport
from backend.platform.events.transports.local import LocalTransport
from backend.platform.runtime import Runtime
from backend.platform.settings import asyncpg_dsn


class EventBus:
    def __init__(
        self, runtime: Runtime, subscriptions: Sequence[Subscription], *, relay: bool
    ) -> None:
        self.runtime = runtime
        self.subscriptions = list(subscriptions)
        self.run_relay = relay
        self.local = runtime.settings.event_transport == "local"
        self.dapr = None if self.local else DaprPublisher(runtime.settings)
        self.pool: asyncpg.Pool | None = None
        self.tasks: list[asyncio.Task[None]] = []
        self.relay: Relay | None = None
        self.workers: list[DeliveryWorker] = []

    async def start(self) -> None:
        settings = self.runtime.settings
        dsn = asyncpg_dsn(settings.database_url or "")
        self.pool = await asyncpg.create_pool(dsn, min_size=1, max_size=4)
        transport: Transport = (
            LocalTransport(self.subscriptions) if self.local else DaprTransport(self.dapr)
        )
        if self.dapr is not None:
            self.runtime.readiness_checks["dapr"] = lambda _runtime: self.dapr.healthy()
        # Dead letters of the local transport go straight to their table, never to a -dlq
        # topic, so subscriptions to those topics (Dapr mode's) need no worker here.
        local_subscriptions = [s for s in self.subscriptions if not s.topic.endswith("-dlq")]
        # In-process delivery needs the subscribers in this process: without any, a local relay
        # would mark events published that nobody received.
        if (self.run_relay and not self.local) or (self.local and local_subscriptions):
            self.relay = Relay(dsn, self.pool, transport)
            self.tasks.append(asyncio.create_task(self.relay.run(), name="outbox-relay"))
        if self.local:
            for subscription in local_subscriptions:
                worker = DeliveryWorker(self.runtime, subscription, dsn, self.pool)
                self.workers.append(worker)
                self.tasks.append(asyncio.create_task(worker.run(), name=subscription.name))

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        if self.dapr is not None:
            await self.dapr.close()
        if self.pool is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.pool.close(), 5)

    async def publish(self, *, topic: str, event: dict[str, Any]) -> None:
        """Publish an event that is not a task mutation; returns once the transport has it."""
        if self.dapr is not None:
            key = str(event.get("partitionkey") or event.get("subject") or "")
            if not await self.dapr.send(topic, event, partition_key=key):
                raise PublishError(f"the Dapr sidecar did not accept the event for {topic}")
            return
        # Idempotent by event id: a publisher retrying after a crash between this commit and
        # its own bookkeeping (the reminder service's lease) must not fail on the unique key.
        async with self.runtime.sessions() as session, session.begin():
            await session.execute(
                pg_insert(OutboxEvent)
                .values(outbox_values(topic=topic, event=event))
                .on_conflict_do_nothing(index_elements=["event_id"])
            )


class PublishError(Exception):
    """The transport did not accept an event; the caller should retry later."""

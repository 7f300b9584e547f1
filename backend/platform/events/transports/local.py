"""The in-process transport: each event becomes one delivery row per subscriber of its topic,
written in the relay's own transaction, and delivery workers call the handlers."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
import orjson

from backend.platform.events.subscriptions import Subscription
from backend.platform.events.transports import OutboxRow

DELIVERIES_CHANNEL = "taskflow_deliveries"


class LocalTransport:
    def __init__(self, subscriptions: Sequence[Subscription]) -> None:
        self.by_topic: dict[str, list[str]] = {}
        for subscription in subscriptions:
            self.by_topic.setdefault(subscription.topic, []).append(subscription.name)

    async def publish(self, connection: asyncpg.Connection, rows: list[OutboxRow]) -> set[int]:
        records = [
            (name, row.id, row.topic, row.partition_key, orjson.dumps(row.event).decode())
            for row in rows
            for name in self.by_topic.get(row.topic, ())
        ]
        if records:
            await connection.executemany(
                "INSERT INTO event_deliveries (subscriber, outbox_id, topic, partition_key, event) "
                "VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT DO NOTHING",
                records,
            )
            await connection.execute(f"NOTIFY {DELIVERIES_CHANNEL}")
        return {row.id for row in rows}

    async def close(self) -> None:
        return None

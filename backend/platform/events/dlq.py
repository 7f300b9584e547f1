"""Dead letters: what subscribers could not process, listed and replayed by an operator.

Local transport: a delivery that a handler DROPs or that fails `max_attempts` times moves to
`dead_letters`. Dapr: Dapr sends such events to `<topic>-dlq`; the api service subscribes to
those topics and records them here, so `taskflow events dlq` works in both modes.
"""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import orjson
from sqlalchemy import text

from backend.platform.events.cloudevent import REMINDERS, TASK_EVENTS
from backend.platform.events.subscriptions import Delivery, Subscription

DAPR_SUBSCRIBER = "dapr"


async def list_dead_letters(
    connection: asyncpg.Connection, *, limit: int = 100
) -> list[dict[str, Any]]:
    rows = await connection.fetch(
        "SELECT id, subscriber, topic, event_id, event->>'type' AS type, reason, attempts, failed_at "
        "FROM dead_letters WHERE replayed_at IS NULL ORDER BY id LIMIT $1",
        limit,
    )
    return [dict(row) for row in rows]


async def replay(connection: asyncpg.Connection, ids: list[int] | None) -> list[int]:
    """Deliver dead letters again: to their subscriber (local) or their topic (Dapr).

    Every subscriber is idempotent by event id, so a replayed event that some subscribers had
    already applied changes nothing for them."""
    async with connection.transaction():
        rows = await connection.fetch(
            "SELECT id, subscriber, topic, event FROM dead_letters WHERE replayed_at IS NULL "
            "AND ($1::bigint[] IS NULL OR id = ANY($1::bigint[])) ORDER BY id FOR UPDATE",
            ids,
        )
        for row in rows:
            event = orjson.loads(row["event"])
            if row["subscriber"] == DAPR_SUBSCRIBER:
                await connection.execute(
                    "INSERT INTO outbox (event_id, topic, partition_key, event_type, event) "
                    "VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT (event_id) DO UPDATE "
                    "SET published_at = NULL",
                    uuid.UUID(event["id"]),
                    row["topic"],
                    str(event.get("partitionkey") or event.get("subject") or ""),
                    event["type"],
                    row["event"],
                )
            else:
                outbox_id = -int(row["id"])  # a replay is not an outbox row; keep it unique
                await connection.execute(
                    "INSERT INTO event_deliveries (subscriber, outbox_id, topic, partition_key, event) "
                    "VALUES ($1, $2, $3, $4, $5::jsonb) ON CONFLICT DO NOTHING",
                    row["subscriber"],
                    outbox_id,
                    row["topic"],
                    str(event.get("partitionkey") or event.get("subject") or ""),
                    row["event"],
                )
        replayed = [row["id"] for row in rows]
        await connection.execute(
            "UPDATE dead_letters SET replayed_at = now() WHERE id = ANY($1::bigint[])", replayed
        )
        await connection.execute("NOTIFY taskflow_deliveries")
    return replayed


def dead_letter_recorders() -> list[Subscription]:
    """Subscriptions (api service, Dapr mode) that record what lands on the -dlq topics."""

    async def record(delivery: Delivery) -> None:
        async with delivery.runtime.sessions() as session, session.begin():
            await session.execute(
                text(
                    "INSERT INTO dead_letters (subscriber, topic, event_id, event, reason, attempts) "
                    "VALUES (:subscriber, :topic, :event_id, CAST(:event AS jsonb), :reason, 0)"
                ),
                {
                    "subscriber": DAPR_SUBSCRIBER,
                    "topic": delivery.topic.removesuffix("-dlq"),
                    "event_id": uuid.UUID(delivery.id),
                    "event": orjson.dumps(delivery.event).decode(),
                    "reason": "dead-lettered by Dapr",
                },
            )

    return [
        Subscription(
            name=f"api.{topic}-dlq",
            topic=f"{topic}-dlq",
            handler=record,
            route=f"/events/api/{topic}-dlq",
            dead_letter_topic=f"{topic}-dlq-unprocessable",
        )
        for topic in (TASK_EVENTS, REMINDERS)
    ]

"""The transactional outbox: events written in the same transaction as the change."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, DateTime, Identity, Index, String, func
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from backend.platform.db import Base

OUTBOX_CHANNEL = "taskflow_outbox"


class OutboxEvent(Base):
    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True)
    event_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    topic: Mapped[str] = mapped_column(String(100))
    partition_key: Mapped[str] = mapped_column(String(100))
    event_type: Mapped[str] = mapped_column(String(100))
    event: Mapped[dict[str, Any]] = mapped_column(JSONB)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_outbox_unpublished", "id", postgresql_where=published_at.is_(None)),
    )


def add_to_outbox(session: AsyncSession, *, topic: str, event: dict[str, Any]) -> OutboxEvent:
    """Stage `event` for publishing; it commits (or rolls back) with the caller's transaction."""
    row = OutboxEvent(**outbox_values(topic=topic, event=event))
    session.add(row)
    return row


def outbox_values(*, topic: str, event: dict[str, Any]) -> dict[str, Any]:
    """The outbox row's columns for a CloudEvent (id, partition key and type come from it)."""
    return {
        "event_id": uuid.UUID(event["id"]),
        "topic": topic,
        "partition_key": str(event.get("partitionkey") or event["subject"]),
        "event_type": event["type"],
        "event": event,
    }

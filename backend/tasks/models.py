"""The tasks table."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    func,
    literal_column,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backend.platform.db import Base
from backend.tags.models import Tag, task_tags

PRIORITIES = ("low", "medium", "high", "urgent")
SEARCH_VECTOR_SQL = (
    "to_tsvector('simple'::regconfig, coalesce(title, '') || ' ' || coalesce(description, ''))"
)
DUE_SORT_SQL = "coalesce(due_at, 'infinity'::timestamptz)"


class Task(Base):
    __tablename__ = "tasks"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(500))
    description: Mapped[str] = mapped_column(Text, server_default=text("''"), default="")
    status: Mapped[str] = mapped_column(String(16), server_default=text("'pending'"))
    priority: Mapped[int] = mapped_column(SmallInteger, server_default=text("1"))
    due_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    all_day: Mapped[bool] = mapped_column(Boolean, server_default=text("false"), default=False)
    timezone: Mapped[str] = mapped_column(String(64))
    reminders: Mapped[list[dict[str, Any]]] = mapped_column(
        JSONB, server_default=text("'[]'::jsonb"), default=list
    )
    recurrence: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    series_id: Mapped[uuid.UUID | None] = mapped_column()
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    version: Mapped[int] = mapped_column(Integer, server_default=text("1"), default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    deleted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    search_vector: Mapped[Any] = mapped_column(
        TSVECTOR, Computed(SEARCH_VECTOR_SQL, persisted=True), deferred=True
    )

    tags: Mapped[list[Tag]] = relationship(
        secondary=task_tags, lazy="selectin", order_by=lambda: func.lower(Tag.name)
    )

    __table_args__ = (
        Index(
            "ix_tasks_user_created",
            user_id,
            created_at.desc(),
            id.desc(),
            postgresql_where=deleted_at.is_(None),
        ),
        Index(
            "ix_tasks_user_due",
            user_id,
            literal_column(DUE_SORT_SQL),
            created_at,
            id,
            postgresql_where=deleted_at.is_(None),
        ),
        Index(
            "ix_tasks_user_deleted",
            user_id,
            deleted_at.desc(),
            postgresql_where=deleted_at.isnot(None),
        ),
        Index("ix_tasks_search", search_vector, postgresql_using="gin"),
        Index("ix_tasks_series", series_id),
        Index("uq_tasks_user_idempotency_key", user_id, idempotency_key, unique=True),
    )

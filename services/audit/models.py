"""The audit tables as SQLAlchemy Core sees them, for queries; the migration
(20261123_0003_audit) creates them in raw SQL with the partitions, triggers and grants."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    PrimaryKeyConstraint,
    Table,
    Text,
    Uuid,
)

from backend.platform.db import Base

audit_events = Table(
    "audit_events",
    Base.metadata,
    Column("event_id", Uuid, nullable=False),
    Column("time", DateTime(timezone=True), nullable=False),
    Column("user_id", Uuid, nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("type", Text, nullable=False),
    Column("task_id", Uuid),
    Column("version", Integer),
    Column("actor", Text, nullable=False),
    Column("changes", Text, nullable=False),
    Column("title", Text),
    Column("details", Text),
    Column("prev_hash", LargeBinary, nullable=False),
    Column("hash", LargeBinary, nullable=False),
    PrimaryKeyConstraint("event_id", "time", name="pk_audit_events"),
    Index("ix_audit_events_user_seq", "user_id", "seq"),
    Index("ix_audit_events_task_seq", "task_id", "seq"),
    postgresql_partition_by="RANGE (time)",
)

audit_chain_heads = Table(
    "audit_chain_heads",
    Base.metadata,
    Column("user_id", Uuid, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", LargeBinary, nullable=False),
)

"""The subscribers: turn each event into an audit record and wait until it is stored."""

from __future__ import annotations

import structlog

from backend.platform.events.cloudevent import EventType
from backend.platform.events.subscriptions import Delivery, Outcome
from backend.platform.runtime import Runtime
from backend.platform.settings import asyncpg_dsn
from services.audit.records import TASK_TYPES, MalformedEvent, record_from_event
from services.audit.settings import chain_key, load_settings
from services.audit.writer import AuditWriter, RejectedRecord, WriterConfig

log = structlog.get_logger("taskflow.audit")


def writer_for(runtime: Runtime) -> AuditWriter:
    """The process's one writer (made on first use, closed by the service's worker)."""
    writer = getattr(runtime, "_audit_writer", None)
    if writer is None:
        settings = load_settings(runtime)
        writer = AuditWriter(
            asyncpg_dsn(settings.database_url or ""),
            WriterConfig(
                flush_size=settings.audit_flush_size,
                flush_interval=settings.audit_flush_interval_seconds,
                flush_idle=settings.audit_flush_idle_seconds,
                max_batch=settings.audit_max_batch,
            ),
            key=chain_key(settings),
            redis=runtime.redis,
        )
        runtime._audit_writer = writer
    return writer


async def record_event(delivery: Delivery) -> Outcome:
    """Store the delivered event in the trail; SUCCESS only once it is committed."""
    try:
        record = record_from_event(delivery.event)
    except (MalformedEvent, KeyError) as exc:
        log.warning("malformed_event_dropped", event_id=delivery.id, error=str(exc))
        return Outcome.DROP
    try:
        await writer_for(delivery.runtime).write(record)
    except RejectedRecord as exc:
        log.error("event_rejected_by_database", event_id=delivery.id, error=str(exc))
        return Outcome.DROP
    return Outcome.SUCCESS


def _unknown(delivery: Delivery) -> Outcome:
    log.info("unknown_event_dropped", type=delivery.type, event_id=delivery.id)
    return Outcome.DROP


async def handle_task_event(delivery: Delivery) -> Outcome:
    """The `task-events` subscriber."""
    if delivery.type not in TASK_TYPES:
        return _unknown(delivery)
    return await record_event(delivery)


async def handle_reminder_event(delivery: Delivery) -> Outcome:
    """The `reminders` subscriber."""
    if delivery.type != EventType.REMINDER_TRIGGERED:
        return _unknown(delivery)
    return await record_event(delivery)

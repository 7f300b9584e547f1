"""audit_events is append-only: a trigger refuses UPDATE, DELETE and TRUNCATE even for its
owner, and the service's role `taskflow_audit` can insert and read but not change anything."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import asyncpg
import pytest

from backend.testing.fixtures import AUDIT_KEY
from services.audit.records import record_from_event
from services.audit.tests.conftest import stored, task_event
from services.audit.writer import AuditWriter, WriterConfig


@pytest.fixture
async def row(audit):
    user = str(uuid.uuid4())
    await audit.deliver(task_event(user_id=user))
    return uuid.UUID(user)


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_events SET title = 'rewritten' WHERE user_id = $1",
        "DELETE FROM audit_events WHERE user_id = $1",
    ],
    ids=["update", "delete"],
)
async def test_the_trigger_refuses_changes_even_to_the_owner(db, row, statement):
    with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
        await db.execute(statement, row)
    assert len(await stored(db, str(row))) == 1


async def test_the_trigger_refuses_truncate_of_the_table_and_of_a_partition(db, row):
    partition = (await stored(db, str(row)))[0]["partition"]
    for table in ("audit_events", partition):
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="append-only"):
            await db.execute(f"TRUNCATE {table}")
    assert len(await stored(db, str(row))) == 1


async def test_the_service_role_can_write_and_read_but_not_change(database_url, db, row):
    # `?role=` makes every statement of these connections run as taskflow_audit
    as_role = f"{database_url}{'&' if '?' in database_url else '?'}role=taskflow_audit"
    writer = AuditWriter(as_role, WriterConfig(flush_size=1), key=AUDIT_KEY.encode())
    user = str(uuid.uuid4())
    try:
        # a month that has no partition yet: created through the SECURITY DEFINER function
        event = task_event(user_id=user, time=datetime(2025, 2, 3, tzinfo=UTC))
        assert await writer.write(record_from_event(event)) is True
    finally:
        await writer.close()
    assert (await stored(db, user))[0]["partition"] == "audit_events_2025_02"

    connection = await asyncpg.connect(as_role)
    try:
        assert await connection.fetchval("SELECT current_user") == "taskflow_audit"
        assert (
            await connection.fetchval("SELECT count(*) FROM audit_events WHERE user_id = $1", row)
            == 1
        )
        for statement in (
            "UPDATE audit_events SET title = 'x' WHERE user_id = $1",
            "DELETE FROM audit_events WHERE user_id = $1",
        ):
            with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
                await connection.execute(statement, row)
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
            await connection.execute("TRUNCATE audit_events")
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute(
                "ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only"
            )
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await connection.execute("DROP TABLE audit_events_2025_02")
    finally:
        await connection.close()

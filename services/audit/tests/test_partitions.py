"""Monthly partitions: events either side of a month boundary land in their own months'
partitions, created on demand for late events; the service keeps months ahead created."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from services.audit.partitions import add_months, ensure_ahead, month_of
from services.audit.tests.conftest import stored, task_event


async def test_events_either_side_of_a_month_boundary_land_in_their_months(audit, db):
    user = str(uuid.uuid4())
    before = datetime(2025, 6, 30, 23, 59, 59, 999999, tzinfo=UTC)
    after = datetime(2025, 7, 1, 0, 0, 0, tzinfo=UTC)
    late = task_event(user_id=user, time=before)
    events = [late, task_event(user_id=user, time=after)]
    await audit.deliver_all(events)
    await audit.deliver(late)  # redelivered: still stored once, in its month

    rows = await stored(db, user)
    assert sorted((r["partition"], r["time"]) for r in rows) == [
        ("audit_events_2025_06", before),
        ("audit_events_2025_07", after),
    ]
    rows_in_june = await db.fetchval(
        "SELECT count(*) FROM audit_events_2025_06 WHERE user_id = $1", uuid.UUID(user)
    )
    assert rows_in_june == 1


async def test_partitions_are_created_ahead(db):
    names = await ensure_ahead(db, months_ahead=3, today=date(2031, 12, 15))
    assert names == [
        "audit_events_2031_12",
        "audit_events_2032_01",
        "audit_events_2032_02",
        "audit_events_2032_03",
    ]
    existing = {
        r[0]
        for r in await db.fetch(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = 'audit_events'::regclass"
        )
    }
    assert set(names) <= existing
    assert month_of(datetime.now(UTC)).strftime("audit_events_%Y_%m") in existing
    assert await ensure_ahead(db, months_ahead=0, today=date(2031, 12, 1)) == names[:1]


def test_month_arithmetic():
    assert add_months(date(2026, 11, 1), 2) == date(2027, 1, 1)
    assert add_months(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert month_of(datetime(2026, 3, 1, 0, 30, tzinfo=UTC)) == date(2026, 3, 1)

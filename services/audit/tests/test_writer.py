"""The write buffer: batches by size, by time and by idleness; a handler returns only once its
event is committed; duplicates are stored once; one bad record does not sink its batch."""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import replace

import pytest

from backend.platform.events.dispatch import dispatch
from backend.platform.events.subscriptions import Delivery, Outcome
from backend.testing.fixtures import AUDIT_KEY
from services.audit.records import record_from_event
from services.audit.subscriptions import SUBSCRIPTIONS
from services.audit.tests.conftest import stored, task_event
from services.audit.writer import AuditWriter, RejectedRecord


async def test_a_full_batch_is_written_at_once_and_not_before(make_audit, db):
    audit = make_audit(audit_flush_size=10, audit_flush_interval_seconds=30)
    user = str(uuid.uuid4())
    first = [asyncio.create_task(audit.deliver(task_event(user_id=user))) for _ in range(9)]
    await asyncio.sleep(0.3)
    assert not any(t.done() for t in first), "nothing is acknowledged before it is written"
    assert await stored(db, user) == []

    started = time.monotonic()
    last = await audit.deliver(task_event(user_id=user))
    assert time.monotonic() - started < 5, "the 10th event fills the batch: no 30 s wait"
    assert last is Outcome.SUCCESS
    assert set(await asyncio.gather(*first)) == {Outcome.SUCCESS}
    rows = await stored(db, user)
    assert [r["seq"] for r in rows] == list(range(1, 11))


async def test_a_partial_batch_is_written_after_the_interval(make_audit, db):
    audit = make_audit(audit_flush_size=100, audit_flush_interval_seconds=0.6)
    user = str(uuid.uuid4())
    started = time.monotonic()
    pending = [asyncio.create_task(audit.deliver(task_event(user_id=user))) for _ in range(3)]
    await asyncio.sleep(0.3)
    assert not any(t.done() for t in pending)
    assert await stored(db, user) == []

    assert set(await asyncio.gather(*pending)) == {Outcome.SUCCESS}
    assert time.monotonic() - started >= 0.55
    assert len(await stored(db, user)) == 3


async def test_a_lone_event_is_written_once_nothing_else_arrives(make_audit, db):
    # one event at a time (a Kafka partition waits for our answer) must not take 1 s each
    audit = make_audit(audit_flush_interval_seconds=30, audit_flush_idle_seconds=0.02)
    user = str(uuid.uuid4())
    started = time.monotonic()
    for _ in range(5):
        assert await audit.deliver(task_event(user_id=user)) is Outcome.SUCCESS
    assert time.monotonic() - started < 2
    assert len(await stored(db, user)) == 5


async def test_batches_grow_under_load_and_every_event_is_stored(make_audit, db):
    audit = make_audit(audit_flush_size=100, audit_flush_interval_seconds=1)
    users = [str(uuid.uuid4()) for _ in range(20)]
    events = [task_event(user_id=users[i % 20]) for i in range(3000)]
    outcomes = await audit.deliver_all(events)
    assert set(outcomes) == {Outcome.SUCCESS}
    for user in users:
        assert [r["seq"] for r in await stored(db, user)] == list(range(1, 151))


async def test_a_redelivered_event_is_stored_once(audit, db):
    user = str(uuid.uuid4())
    event = task_event(user_id=user)
    # twice in one batch, then again after it was written
    assert await audit.deliver_all([event, event]) == [Outcome.SUCCESS, Outcome.SUCCESS]
    assert await audit.deliver(event) is Outcome.SUCCESS
    record = record_from_event(event)
    assert await audit.writer.write(record) is False, "already stored"
    rows = await stored(db, user)
    assert [(str(r["event_id"]), r["seq"]) for r in rows] == [(event["id"], 1)]


async def test_one_record_the_database_refuses_does_not_sink_its_batch(audit, db):
    user = str(uuid.uuid4())
    records = [record_from_event(task_event(user_id=user)) for _ in range(6)]
    records[3] = replace(records[3], title="bad \x00 title")  # past validation, refused by COPY
    results = await asyncio.gather(
        *(audit.writer.write(r) for r in records), return_exceptions=True
    )
    assert isinstance(results[3], RejectedRecord)
    assert [r for i, r in enumerate(results) if i != 3] == [True] * 5
    assert len(await stored(db, user)) == 5


async def test_an_unreachable_database_means_retry_not_loss(audit):
    audit.runtime._audit_writer = AuditWriter(
        "postgresql://nobody@127.0.0.1:1/none", key=AUDIT_KEY.encode()
    )
    subscription = SUBSCRIPTIONS[0]
    delivery = Delivery(
        event=task_event(user_id=str(uuid.uuid4())), topic="task-events", runtime=audit.runtime
    )
    try:
        assert await dispatch(subscription, delivery) is Outcome.RETRY
    finally:
        await audit.runtime._audit_writer.close()


@pytest.mark.parametrize(
    "event",
    [
        {"id": str(uuid.uuid4()), "type": "com.taskflow.task.updated", "data": "nope"},
        {**task_event(user_id="not-a-uuid")},
        {**task_event(user_id=str(uuid.uuid4())), "time": "yesterday"},
        {**task_event(user_id=str(uuid.uuid4())), "time": "1900-01-01T00:00:00Z"},
        {**task_event(user_id=str(uuid.uuid4()), title="nul \x00")},
        {**task_event(user_id=str(uuid.uuid4())), "type": "com.taskflow.task.exploded"},
    ],
    ids=["no-data", "bad-user", "bad-time", "ancient", "nul", "unknown-type"],
)
async def test_an_event_that_can_never_be_recorded_is_dropped(audit, event):
    assert await audit.deliver(event) is Outcome.DROP

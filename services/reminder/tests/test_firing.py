"""The firing loop: on time, once, across replicas, and never for a finished task."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections import Counter
from datetime import datetime

from services.reminder import firing
from services.reminder.schedule import Entry, Schedule

from .conftest import Recorder, now_ms, start_loop, stop_loop


def fire_ms(event: dict) -> int:
    return int(datetime.fromisoformat(event["data"]["fire_at"]).timestamp() * 1000)


async def test_reminders_fire_within_50_ms_of_their_time_and_never_early(reminders):
    recorder = Recorder()
    # A long max sleep: only the pub/sub wake-up can make the sleeping loop fire on time.
    loop = start_loop(reminders.schedule, recorder, max_sleep=30.0)
    await asyncio.sleep(0.2)  # the loop is asleep on an empty schedule
    base = now_ms()
    for i in range(20):
        await reminders.add(f"task-{i}", base + 800 - i * 30)  # the earliest comes last
    await recorder.wait_for(20, timeout=5)
    await asyncio.sleep(0.2)
    await stop_loop(loop)

    assert len(recorder.events) == 20
    lateness = [received - fire_ms(event) for event, received in recorder.events]
    assert min(lateness) >= 0, lateness
    # 50 ms for all but one: a shared 2-core CI machine can stall any one timer now and then
    assert sorted(lateness)[-2] <= 50, lateness
    assert max(lateness) <= 150, lateness
    assert all(event["data"]["late"] is False for event, _ in recorder.events)
    assert await reminders.schedule.next_due_ms() is None  # fired, then forgotten


async def test_two_replicas_fire_every_reminder_exactly_once(reminders, redis_client):
    base = now_ms() + 300
    for i in range(100):  # a burst: 100 tasks with 3 reminders, all at the same millisecond
        await reminders.add(f"burst-{i}", base, base, base)
    for i in range(200):
        await reminders.add(f"spread-{i}", base + 5 * i)
    first, second = Recorder(), Recorder()
    other = Schedule(redis_client, prefix=reminders.schedule.prefix)
    loops = [
        start_loop(reminders.schedule, first, batch_size=25),
        start_loop(other, second, batch_size=25),
    ]
    deadline = asyncio.get_running_loop().time() + 10
    while len(first.events) + len(second.events) < 500:
        assert asyncio.get_running_loop().time() < deadline
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.3)
    for loop in loops:
        await stop_loop(loop)

    fired = Counter(event["id"] for event, _ in first.events + second.events)
    assert len(fired) == 500
    assert max(fired.values()) == 1
    assert first.events and second.events  # both replicas took a share


async def test_a_completed_task_never_fires_and_a_snooze_survives_edits_only(reminders):
    recorder = Recorder()
    loop = start_loop(reminders.schedule, recorder)
    start = now_ms()
    await reminders.add("done", start + 300)
    await reminders.add("done", version=2, live=False)  # completed before its time
    await reminders.add("edited", start + 400)
    snooze = Entry("edited", "snooze-abc", start + 500)
    assert await reminders.schedule.add_snooze(
        entry=snooze, task_version=1, meta={}, now_ms=start, most=10
    )
    await reminders.add("edited", start + 400, version=2)  # an edit keeps the snooze
    await recorder.wait_for(2, timeout=3)
    await asyncio.sleep(0.3)
    await stop_loop(loop)

    fired = sorted((e["data"]["task_id"], e["data"]["reminder_id"]) for e, _ in recorder.events)
    assert fired == [("edited", "r0"), ("edited", "snooze-abc")]

    later = Entry("edited", "snooze-def", now_ms() + 60_000)
    assert await reminders.schedule.add_snooze(
        entry=later, task_version=2, meta={}, now_ms=now_ms(), most=10
    )
    await reminders.add("edited", version=3, live=False)
    assert await reminders.schedule.entries("edited") == {}
    # a snooze read at version 2 cannot revive what version 3 finished
    assert not await reminders.schedule.add_snooze(
        entry=later, task_version=2, meta={}, now_ms=now_ms(), most=10
    )


async def test_a_fired_reminder_is_not_scheduled_again_by_a_later_event(reminders):
    recorder = Recorder()
    loop = start_loop(reminders.schedule, recorder)
    at = now_ms() + 100
    await reminders.add("t", at)
    await recorder.wait_for(1, timeout=3)
    await stop_loop(loop)
    # v2 (e.g. a title edit committed before the firing, delivered after it) lists it again
    await reminders.add("t", at, version=2)
    assert await reminders.schedule.entries("t") == {}
    assert len(recorder.events) == 1


async def test_a_failed_publish_is_retried_after_the_lease_with_the_same_event_id(reminders):
    recorder = Recorder(fail_first=1)
    loop = start_loop(reminders.schedule, recorder, lease_ms=400)
    task_id = str(uuid.uuid4())
    at = now_ms() + 100
    await reminders.add(task_id, at)
    await recorder.wait_for(1, timeout=5)
    await asyncio.sleep(0.6)
    await stop_loop(loop)

    ((event, received),) = recorder.events
    assert received - at >= 400
    assert event["data"]["late"] is True
    assert event["id"] == str(Entry(task_id, "r0", at).event_id)
    assert event["type"] == "com.taskflow.reminder.triggered"
    assert event["subject"] == event["partitionkey"] == task_id


async def test_stopping_ends_a_coroutine_that_lost_its_first_cancel():
    stopped = asyncio.Event()

    async def stubborn() -> None:
        # a cancel lost inside a client library: the loop would carry on
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.sleep(3600)
        try:
            await asyncio.sleep(3600)
        finally:
            stopped.set()

    task = asyncio.create_task(stubborn())
    await asyncio.sleep(0)
    async with asyncio.timeout(5):
        await firing._stop([task])
    assert stopped.is_set() and task.cancelled()

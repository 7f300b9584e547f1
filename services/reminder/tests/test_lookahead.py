"""Look-ahead: reminders are claimed (and their events built) shortly before their time, yet
fire at their time and never before it, and a task finished or rescheduled after the early
claim still decides what fires."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime

from services.reminder.schedule import EVENT_NAMESPACE, Entry, Schedule

from .conftest import Recorder, now_ms, start_loop, stop_loop


def fire_ms(event: dict) -> int:
    return int(datetime.fromisoformat(event["data"]["fire_at"]).timestamp() * 1000)


async def claimed(schedule: Schedule, member: str, timeout: float = 3.0) -> None:
    """Wait until a replica holds `member` (it left the schedule for the leases)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while await schedule.redis.zscore(schedule.leases, member) is None:
        assert asyncio.get_running_loop().time() < deadline, f"{member} was never claimed"
        await asyncio.sleep(0.005)


async def test_a_reminder_claimed_ahead_fires_at_its_time_and_not_before(reminders):
    recorder = Recorder()
    loop = start_loop(reminders.schedule, recorder, lookahead_ms=1000)
    await asyncio.sleep(0.1)
    at = now_ms() + 800
    await reminders.add("ahead", at)
    await claimed(reminders.schedule, Entry("ahead", "r0", at).member)
    claimed_at = now_ms()
    await recorder.wait_for(1, timeout=3)
    await stop_loop(loop)

    assert claimed_at < at - 400  # claimed well ahead of its time ...
    ((event, received),) = recorder.events
    assert at <= received <= at + 100  # ... and published at it
    assert fire_ms(event) == at
    assert event["data"]["late"] is False
    published_at = datetime.fromisoformat(event["time"]).timestamp() * 1000
    assert published_at >= at  # the event says when it was sent, not when it was built
    assert await reminders.schedule.next_due_ms() is None


async def test_a_task_completed_after_the_early_claim_does_not_fire(reminders):
    recorder = Recorder()
    loop = start_loop(reminders.schedule, recorder, lookahead_ms=1000)
    at = now_ms() + 700
    await reminders.add("done", at)
    await reminders.add("kept", at)
    await claimed(reminders.schedule, Entry("done", "r0", at).member)
    await claimed(reminders.schedule, Entry("kept", "r0", at).member)
    await reminders.add("done", version=2, live=False)  # completed while its claim waits
    await recorder.wait_for(1, timeout=3)
    await asyncio.sleep(max(0, at + 300 - now_ms()) / 1000)
    await stop_loop(loop)

    assert [e["data"]["task_id"] for e, _ in recorder.events] == ["kept"]
    assert await reminders.schedule.next_due_ms() is None


async def test_a_reminder_moved_after_the_early_claim_fires_once_at_its_new_time(reminders):
    recorder = Recorder()
    loop = start_loop(reminders.schedule, recorder, lookahead_ms=1000)
    first = now_ms() + 600
    await reminders.add("moved", first)
    await claimed(reminders.schedule, Entry("moved", "r0", first).member)
    later = first + 400
    await reminders.add("moved", later, version=2)  # e.g. the due date moved
    await recorder.wait_for(1, timeout=3)
    await asyncio.sleep(max(0, later + 300 - now_ms()) / 1000)
    await stop_loop(loop)

    ((event, received),) = recorder.events
    assert fire_ms(event) == later
    assert received >= later


async def test_a_stopping_replica_hands_its_early_claims_back_to_fire_on_time(reminders):
    at = now_ms() + 1500
    await reminders.add("handover", at)
    member = Entry("handover", "r0", at).member
    first = Recorder()
    loop = start_loop(reminders.schedule, first, lookahead_ms=2000)
    await claimed(reminders.schedule, member)
    await stop_loop(loop)  # a rolling restart, long before the reminder's time
    assert await reminders.schedule.entries() == {member: at}

    second = Recorder()
    loop = start_loop(reminders.schedule, second)
    await second.wait_for(1, timeout=4)
    await stop_loop(loop)

    assert first.events == []
    ((event, received),) = second.events
    assert at <= received <= at + 100  # on time, not a lease (15 s) later
    assert event["data"]["late"] is False


async def test_a_claim_taken_over_after_its_lease_belongs_to_the_new_holder(reminders):
    schedule = reminders.schedule
    task_id = str(uuid.uuid4())
    at = now_ms()
    await reminders.add(task_id, at)
    (stale,) = await schedule.claim(now_ms=now_ms(), lease_ms=100, limit=10)
    await asyncio.sleep(0.25)  # the first replica stalls past its lease
    (current,) = await schedule.claim(now_ms=now_ms(), lease_ms=15_000, limit=10)

    assert current.reclaimed and current.entry == stale.entry
    assert await schedule.held([stale, current]) == [False, True]
    # the stalled replica wakes up and forgets its claim: the new holder's lease stays, so a
    # failure of its publish is still retried
    assert await schedule.ack([stale]) == 0
    assert await schedule.next_due_ms() == current.lease_ms


def test_event_ids_stay_uuid5_of_the_member():
    for member in ("t|r|0", f"{uuid.uuid4()}|snooze-{uuid.uuid4().hex[:12]}|1712345678901"):
        entry = Entry.parse(member)
        assert entry.event_key == str(entry.event_id) == str(uuid.uuid5(EVENT_NAMESPACE, member))

"""Task events keep the schedule equal to the latest task version's reminders (real events,
read from the outbox the API wrote, handed to the handler as the backbone would)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

from backend.platform.events.subscriptions import Outcome
from services.reminder.firing import FiringConfig, FiringLoop

from .conftest import Recorder, now_ms, outbox_events


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def make_task(client, account, **fields) -> dict:
    response = await client.post(
        "/api/v1/tasks", json={"title": "Pay rent", **fields}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def deliver_all(reminders, db, task_id: str) -> list[dict]:
    events = await outbox_events(db, task_id)
    for event in events:
        assert await reminders.deliver(event) == Outcome.SUCCESS
    return events


async def fire_times(reminders, task_id: str) -> dict[str, int]:
    """reminder id → fire ms of what is scheduled for the task."""
    entries = await reminders.schedule.entries(task_id)
    return {member.split("|")[1]: score for member, score in entries.items()}


async def test_a_created_task_schedules_each_of_its_reminders(client, alice, db, reminders):
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    at = due - timedelta(minutes=90)
    task = await make_task(
        client,
        alice,
        due_at=iso(due),
        reminders=[{"offset_minutes": 10}, {"offset_minutes": 60}, {"at": iso(at)}],
    )
    await deliver_all(reminders, db, task["id"])

    ids = {(r["offset_minutes"], r["at"]): r["id"] for r in task["reminders"]}
    assert await fire_times(reminders, task["id"]) == {
        ids[(10, None)]: ms(due - timedelta(minutes=10)),
        ids[(60, None)]: ms(due - timedelta(minutes=60)),
        ids[(None, iso(at))]: ms(at),
    }


async def test_changing_the_due_date_moves_its_reminders_and_editing_the_title_keeps_them(
    client, alice, db, reminders
):
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=3)
    at = due + timedelta(hours=5)
    task = await make_task(
        client, alice, due_at=iso(due), reminders=[{"offset_minutes": 15}, {"at": iso(at)}]
    )
    later = due + timedelta(days=1)
    url = f"/api/v1/tasks/{task['id']}"
    assert (await client.patch(url, json={"due_at": iso(later)}, headers=alice.headers)).is_success
    await deliver_all(reminders, db, task["id"])
    by_kind = {r["offset_minutes"] or "at": r["id"] for r in task["reminders"]}
    moved = {by_kind[15]: ms(later - timedelta(minutes=15)), by_kind["at"]: ms(at)}
    assert await fire_times(reminders, task["id"]) == moved

    assert (await client.patch(url, json={"title": "Rent!"}, headers=alice.headers)).is_success
    await deliver_all(reminders, db, task["id"])
    assert await fire_times(reminders, task["id"]) == moved
    state = (await reminders.schedule.states([task["id"]]))[task["id"]]
    assert state["meta"]["title"] == "Rent!"

    body = {"reminders": [{"at": iso(at)}]}
    assert (await client.patch(url, json=body, headers=alice.headers)).is_success
    await deliver_all(reminders, db, task["id"])
    assert await fire_times(reminders, task["id"]) == {by_kind["at"]: ms(at)}


async def test_complete_and_delete_cancel_reopen_and_restore_reschedule(
    client, alice, db, reminders
):
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    task = await make_task(client, alice, due_at=iso(due), reminders=[{"offset_minutes": 5}])
    url = f"/api/v1/tasks/{task['id']}"
    expected = {task["reminders"][0]["id"]: ms(due - timedelta(minutes=5))}

    steps = [
        ("post", "/complete", {}),
        ("post", "/reopen", expected),
        ("delete", "", {}),
        ("post", "/restore", expected),
    ]
    for method, suffix, scheduled in steps:
        response = await client.request(method, url + suffix, headers=alice.headers)
        assert response.is_success, response.text
        await deliver_all(reminders, db, task["id"])
        assert await fire_times(reminders, task["id"]) == scheduled, suffix


async def test_an_older_or_repeated_event_changes_nothing(client, alice, db, reminders):
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    task = await make_task(client, alice, due_at=iso(due), reminders=[{"offset_minutes": 5}])
    url = f"/api/v1/tasks/{task['id']}"
    assert (await client.post(url + "/complete", headers=alice.headers)).is_success
    created, completed = await outbox_events(db, task["id"])

    assert await reminders.deliver(completed) == Outcome.SUCCESS
    assert await reminders.deliver(created) == Outcome.SUCCESS  # arrives late: stale
    assert await reminders.deliver(completed) == Outcome.SUCCESS  # redelivered
    assert await fire_times(reminders, task["id"]) == {}


async def test_reopening_does_not_bring_back_reminders_whose_time_passed(
    client, alice, db, reminders
):
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    task = await make_task(
        client, alice, due_at=iso(due), reminders=[{"offset_minutes": 30}, {"offset_minutes": 0}]
    )
    url = f"/api/v1/tasks/{task['id']}"
    assert (await client.post(url + "/complete", headers=alice.headers)).is_success
    assert (await client.post(url + "/reopen", headers=alice.headers)).is_success
    created, completed, reopened = await outbox_events(db, task["id"])
    reopened = copy.deepcopy(reopened)
    reopened["time"] = iso(due - timedelta(minutes=10))  # reopened after the first one's time
    for event in (created, completed, reopened):
        assert await reminders.deliver(event) == Outcome.SUCCESS

    at_due = next(r["id"] for r in task["reminders"] if r["offset_minutes"] == 0)
    assert await fire_times(reminders, task["id"]) == {at_due: ms(due)}


async def test_after_downtime_a_reminder_set_before_its_time_fires_late(
    client, alice, db, reminders
):
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=1)
    task = await make_task(
        client, alice, due_at=iso(due), reminders=[{"offset_minutes": 60}, {"offset_minutes": 61}]
    )
    (created,) = await outbox_events(db, task["id"])
    # As if the service was down for the whole hour: the event arrives after both times;
    # the 61-minute one was already past when the task was created and never fires.
    created = copy.deepcopy(created)
    past_due = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    created["data"]["task"]["due_at"] = iso(past_due)
    created["time"] = iso(past_due - timedelta(minutes=60, seconds=30))
    assert await reminders.deliver(created) == Outcome.SUCCESS

    recorder = Recorder()
    loop = FiringLoop(schedule=reminders.schedule, publish=recorder, config=FiringConfig())
    assert await loop.fire_due() == 1
    ((event, _),) = recorder.events
    sixty = next(r["id"] for r in task["reminders"] if r["offset_minutes"] == 60)
    assert event["data"]["reminder_id"] == sixty
    assert event["data"]["late"] is True
    assert event["data"]["task_title"] == "Pay rent"
    assert event["data"]["user_id"] == alice.id
    assert now_ms() - ms(datetime.fromisoformat(event["data"]["fire_at"])) >= 60_000


async def test_unknown_and_malformed_events_are_dropped(client, alice, db, reminders):
    task = await make_task(client, alice)
    (created,) = await outbox_events(db, task["id"])
    unknown = {**created, "type": "com.taskflow.task.archived"}
    assert await reminders.deliver(unknown) == Outcome.DROP
    for data in (
        None,
        {"task": "x"},
        {"task": {"id": task["id"]}},
        {**created["data"], "version": "2"},
    ):
        assert await reminders.deliver({**created, "data": data}) == Outcome.DROP
    bad_reminder = copy.deepcopy(created)
    bad_reminder["data"]["task"]["reminders"] = [{"id": "r1", "at": "next tuesday"}]
    assert await reminders.deliver(bad_reminder) == Outcome.DROP
    assert await reminders.deliver(created) == Outcome.SUCCESS


async def test_deleting_the_account_cancels_the_reminders_of_its_live_tasks(
    client, alice, db, reminders
):
    due = datetime.now(UTC).replace(microsecond=0) + timedelta(hours=2)
    task = await make_task(client, alice, due_at=iso(due), reminders=[{"offset_minutes": 10}])
    await deliver_all(reminders, db, task["id"])
    assert await fire_times(reminders, task["id"])
    deleted = await client.post(
        "/api/v1/auth/me/delete", json={"password": alice.password}, headers=alice.headers
    )
    assert deleted.status_code == 204
    events = await deliver_all(reminders, db, task["id"])
    assert events[-1]["type"] == "com.taskflow.task.purged"
    assert await fire_times(reminders, task["id"]) == {}

"""The reminder service in embedded mode (api + reminder in one process, local transport):
task reminders fire through the outbox, and the snooze endpoint."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from backend.tasks.schemas import MAX_REMINDERS
from backend.testing.fixtures import signup
from services.reminder.firing import trigger_event
from services.reminder.schedule import Entry
from services.reminder.service import publish_trigger

from .conftest import outbox_events


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


async def eventually(check, timeout: float = 8.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while not (result := await check()):
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(0.05)
    return result


@pytest.fixture
async def owner(sclient):
    return await signup(sclient)


@pytest.fixture
async def stranger(sclient):
    return await signup(sclient)


async def make_task(sclient, account, **fields) -> dict:
    response = await sclient.post(
        "/api/v1/tasks", json={"title": "Call mum", **fields}, headers=account.headers
    )
    assert response.status_code == 201, response.text
    return response.json()


async def test_a_task_reminder_is_published_to_the_reminders_topic_on_time(sclient, sdb, owner):
    at = datetime.now(UTC) + timedelta(seconds=1.5)
    due = at + timedelta(hours=1)
    task = await make_task(sclient, owner, due_at=iso(due), reminders=[{"at": iso(at)}])

    async def triggered():
        return await outbox_events(sdb, task["id"], topic="reminders")

    (event,) = await eventually(triggered)
    fire_ms = int(datetime.fromisoformat(task["reminders"][0]["at"]).timestamp() * 1000)
    reminder_id = task["reminders"][0]["id"]
    assert event["type"] == "com.taskflow.reminder.triggered"
    assert event["source"] == "taskflow/reminder"
    assert event["id"] == str(Entry(task["id"], reminder_id, fire_ms).event_id)
    assert event["data"] == {
        "user_id": owner.id,
        "task_id": task["id"],
        "task_title": "Call mum",
        "due_at": task["due_at"],
        "reminder_id": reminder_id,
        "fire_at": iso(datetime.fromtimestamp(fire_ms / 1000, UTC)),
        "late": False,
    }
    stored_at = await sdb.fetchval(
        "SELECT created_at FROM outbox WHERE event_id = $1", uuid.UUID(event["id"])
    )
    assert timedelta(0) <= stored_at - datetime.fromisoformat(event["data"]["fire_at"])
    assert stored_at - datetime.fromisoformat(event["data"]["fire_at"]) < timedelta(seconds=1)


async def test_a_task_completed_before_its_reminder_never_fires(
    sclient, sdb, owner, service_schedule
):
    at = datetime.now(UTC) + timedelta(seconds=1)
    task = await make_task(sclient, owner, reminders=[{"at": iso(at)}])
    await eventually(lambda: service_schedule.entries(task["id"]))
    done = await sclient.post(f"/api/v1/tasks/{task['id']}/complete", headers=owner.headers)
    assert done.status_code == 200
    await eventually(lambda: _empty(service_schedule, task["id"]))
    await asyncio.sleep(1.5)
    assert await outbox_events(sdb, task["id"], topic="reminders") == []


async def _empty(schedule, task_id: str) -> bool:
    return await schedule.entries(task_id) == {}


async def test_snooze_schedules_a_one_off_reminder_until_the_task_is_completed(
    sclient, owner, service_schedule
):
    task = await make_task(sclient, owner)
    before = datetime.now(UTC)
    response = await sclient.post(
        f"/api/v1/tasks/{task['id']}/reminders/snooze", json={"minutes": 5}, headers=owner.headers
    )
    assert response.status_code == 201, response.text
    body = response.json()
    fire_at = datetime.fromisoformat(body["fire_at"])
    assert body["task_id"] == task["id"] and body["reminder_id"].startswith("snooze-")
    assert before + timedelta(minutes=5) <= fire_at <= datetime.now(UTC) + timedelta(minutes=5)
    member = f"{task['id']}|{body['reminder_id']}|{int(fire_at.timestamp() * 1000)}"
    assert await service_schedule.entries(task["id"]) == {member: int(fire_at.timestamp() * 1000)}

    await sclient.patch(f"/api/v1/tasks/{task['id']}", json={"title": "x"}, headers=owner.headers)
    await sclient.post(f"/api/v1/tasks/{task['id']}/complete", headers=owner.headers)
    await eventually(lambda: _empty(service_schedule, task["id"]))

    again = await sclient.post(
        f"/api/v1/tasks/{task['id']}/reminders/snooze", json={"minutes": 5}, headers=owner.headers
    )
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"


async def test_snoozes_count_against_the_ten_reminder_cap_even_in_parallel(
    sclient, owner, service_schedule
):
    task = await make_task(sclient, owner)
    answers = await asyncio.gather(
        *(
            sclient.post(
                f"/api/v1/tasks/{task['id']}/reminders/snooze",
                json={"minutes": 5 + i},
                headers=owner.headers,
            )
            for i in range(30)
        )
    )
    assert sorted(a.status_code for a in answers) == [201] * MAX_REMINDERS + [409] * 20
    refused = next(a for a in answers if a.status_code == 409)
    assert refused.headers["content-type"] == "application/problem+json"
    assert "10 reminders" in refused.json()["detail"]
    assert len(await service_schedule.entries(task["id"])) == MAX_REMINDERS


async def test_snooze_is_only_for_your_own_tasks(sclient, owner, stranger, service_schedule):
    task = await make_task(sclient, owner)
    for task_id in (task["id"], str(uuid.uuid4())):
        response = await sclient.post(
            f"/api/v1/tasks/{task_id}/reminders/snooze",
            json={"minutes": 5},
            headers=stranger.headers,
        )
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
    anonymous = await sclient.post(
        f"/api/v1/tasks/{task['id']}/reminders/snooze", json={"minutes": 5}
    )
    assert anonymous.status_code == 401
    assert await service_schedule.entries(task["id"]) == {}


@pytest.mark.parametrize(
    "body",
    [{}, {"minutes": 0}, {"minutes": 1441}, {"minutes": "5"}, {"minutes": 2.5}, {"minutes": None}, {"minutes": True},
     {"minutes": 5, "extra": 1}, [5]],
)  # fmt: skip
async def test_snooze_rejects_bad_input_with_a_problem(sclient, owner, body):
    task = await make_task(sclient, owner)
    response = await sclient.post(
        f"/api/v1/tasks/{task['id']}/reminders/snooze", json=body, headers=owner.headers
    )
    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    bad_id = await sclient.post(
        "/api/v1/tasks/not-a-uuid/reminders/snooze", json={"minutes": 5}, headers=owner.headers
    )
    assert bad_id.status_code == 422


async def test_a_re_fire_of_a_published_trigger_is_accepted_and_stored_once(service_app, sdb):
    runtime = service_app.state.runtime
    task_id = str(uuid.uuid4())
    event = trigger_event(
        Entry(task_id, "r1", 1_700_000_000_000), {"meta": {"title": "t"}}, late=True
    )
    await publish_trigger(runtime, event)
    await publish_trigger(runtime, dict(event))  # a replica died before forgetting it
    assert [e["id"] for e in await outbox_events(sdb, task_id, topic="reminders")] == [event["id"]]

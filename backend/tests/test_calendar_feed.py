"""The private calendar feed: a secret, revocable address serving due tasks as VTODOs, checked
by parsing it with an independent parser (vobject), not the `icalendar` package that wrote it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import vobject


async def _feed_url(client, account) -> str:
    response = await client.post("/api/v1/calendar/feed", headers=account.headers)
    assert response.status_code == 201, response.text
    url = response.json()["url"]
    assert url.startswith("http://testserver/api/v1/calendar/tf_cal_") and url.endswith(".ics")
    return url.removeprefix("http://testserver")


async def _task(client, account, **body) -> dict:
    response = await client.post("/api/v1/tasks", json=body, headers=account.headers)
    assert response.status_code == 201, response.text
    return response.json()


def _todos(text: str) -> dict[str, vobject.base.Component]:
    calendar = vobject.readOne(text)
    return {todo.summary.value: todo for todo in calendar.contents.get("vtodo", [])}


async def test_the_feed_serves_due_tasks_with_rules_and_alarms_without_a_cookie(client, alice):
    url = await _feed_url(client, alice)
    rent = await _task(
        client, alice, title="Pay rent", priority="urgent", tags=["home"],
        due_at="2030-01-01T09:00:00+01:00", timezone="Europe/Berlin",
        reminders=[{"offset_minutes": 30}, {"at": "2029-12-31T18:00:00Z"}],
        recurrence={"rrule": "FREQ=MONTHLY;COUNT=12", "from": "due"},
    )  # fmt: skip
    await _task(client, alice, title="Bins", due_at="2030-01-03T00:00:00Z", all_day=True,
                timezone="Asia/Tokyo", recurrence={"rrule": "weekly", "from": "due"})  # fmt: skip
    await _task(client, alice, title="Stretch", due_at="2030-01-04T08:00:00Z",
                recurrence={"rrule": "daily", "from": "completion"})  # fmt: skip
    await _task(client, alice, title="Someday")  # no due date: not in a calendar
    trashed = await _task(client, alice, title="Trashed", due_at="2030-01-05T08:00:00Z")
    await client.delete(f"/api/v1/tasks/{trashed['id']}", headers=alice.headers)

    response = await client.get(url)  # no Authorization, no cookie
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/calendar")
    assert response.headers["cache-control"] == "no-store"
    todos = _todos(response.text)
    assert set(todos) == {"Pay rent", "Bins", "Stretch"}

    pay = todos["Pay rent"]
    assert pay.uid.value == f"{rent['id']}@taskflow"
    assert pay.due.value == datetime(2030, 1, 1, 9, tzinfo=ZoneInfo("Europe/Berlin"))
    assert pay.priority.value == "1" and pay.categories.value == ["home"]
    occurrences = list(pay.getrruleset())
    assert len(occurrences) == 12
    assert occurrences[1] == datetime(2030, 2, 1, 9, tzinfo=ZoneInfo("Europe/Berlin"))
    triggers = sorted(str(alarm.trigger.value) for alarm in pay.contents["valarm"])
    assert triggers == ["-1 day, 23:30:00", "2029-12-31 18:00:00+00:00"]

    bins = todos["Bins"]  # all-day: due until its day ends, in its own zone
    assert bins.dtstart.value == date(2030, 1, 3) and bins.due.value == date(2030, 1, 4)
    assert list(bins.getrruleset())[1] == datetime(2030, 1, 10)
    # Repeating from completion has no next date to show until it is completed.
    assert "rrule" not in todos["Stretch"].contents


async def test_completing_moves_a_task_to_completed_and_bob_sees_only_his(client, alice, bob):
    url = await _feed_url(client, alice)
    bobs_url = await _feed_url(client, bob)
    task = await _task(client, alice, title="File taxes", due_at="2030-04-01T10:00:00Z")
    await _task(client, bob, title="Bob's", due_at="2030-04-01T10:00:00Z")
    await client.post(f"/api/v1/tasks/{task['id']}/complete", headers=alice.headers)
    todo = _todos((await client.get(url)).text)["File taxes"]
    assert todo.status.value == "COMPLETED"
    assert todo.completed.value > datetime.now(UTC) - timedelta(minutes=1)
    assert set(_todos((await client.get(bobs_url)).text)) == {"Bob's"}


async def test_regenerating_or_revoking_the_address_cuts_off_the_old_one(client, alice):
    status = await client.get("/api/v1/calendar/feed", headers=alice.headers)
    assert status.json() == {"active": False, "created_at": None}
    first = await _feed_url(client, alice)
    assert (await client.get(first)).status_code == 200
    second = await _feed_url(client, alice)
    assert second != first
    old = await client.get(first)
    assert old.status_code == 404 and old.headers["content-type"] == "application/problem+json"
    assert (await client.get(second)).status_code == 200
    assert (await client.get("/api/v1/calendar/feed", headers=alice.headers)).json()["active"]
    assert (await client.delete("/api/v1/calendar/feed", headers=alice.headers)).status_code == 204
    assert (await client.get(second)).status_code == 404
    assert (await client.delete("/api/v1/calendar/feed", headers=alice.headers)).status_code == 404
    for guess in ("tf_cal_guess", "x" * 300, "tf_cal_" + "a" * 43):
        assert (await client.get(f"/api/v1/calendar/{guess}.ics")).status_code == 404


async def test_the_events_variant_serves_pending_tasks_as_events(client, alice):
    created = (await client.post("/api/v1/calendar/feed", headers=alice.headers)).json()
    assert created["events_url"] == created["url"] + "?events=true"
    await _task(client, alice, title="Standup", due_at="2030-01-07T09:30:00+01:00",
                timezone="Europe/Berlin", reminders=[{"offset_minutes": 5}],
                recurrence={"rrule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "from": "due"})  # fmt: skip
    await _task(client, alice, title="Holiday", due_at="2030-01-10T00:00:00Z", all_day=True)
    done = await _task(client, alice, title="Done", due_at="2030-01-08T09:00:00Z")
    await client.post(f"/api/v1/tasks/{done['id']}/complete", headers=alice.headers)

    response = await client.get(created["events_url"].removeprefix("http://testserver"))
    assert response.status_code == 200
    calendar = vobject.readOne(response.text)
    assert "vtodo" not in calendar.contents
    events = {event.summary.value: event for event in calendar.contents["vevent"]}
    assert set(events) == {"Standup", "Holiday"}
    standup = events["Standup"]
    berlin = ZoneInfo("Europe/Berlin")
    assert standup.dtstart.value == datetime(2030, 1, 7, 9, 30, tzinfo=berlin)
    assert standup.dtend.value == standup.dtstart.value
    week = [d for d, _ in zip(standup.getrruleset(), range(6), strict=False)]
    assert [d.weekday() for d in week] == [0, 1, 2, 3, 4, 0]
    assert str(standup.valarm.trigger.value) == "-1 day, 23:55:00"
    holiday = events["Holiday"]
    assert holiday.dtstart.value == date(2030, 1, 10) and holiday.dtend.value == date(2030, 1, 11)

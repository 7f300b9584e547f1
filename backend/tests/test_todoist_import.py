"""Importing a Todoist CSV export: columns mapped as docs/data.md says."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from backend.portability.todoist import DateNotUnderstood, parse_date

EXPORT = """TYPE,CONTENT,DESCRIPTION,PRIORITY,INDENT,AUTHOR,RESPONSIBLE,DATE,DATE_LANG,TIMEZONE,DURATION,DURATION_UNIT
section,Errands,,,,,,,,,,
task,Buy milk @shopping @home,Semi-skimmed,1,1,Ann (1),,2030-03-05,en,Europe/London,,
note,Check the date on it,,,,,,,,,,
task,Call mum,,4,2,Ann (1),,every sunday at 6pm,en,Europe/London,,
task,Pay rent,,2,1,Ann (1),,every! month,en,Not/AZone,,
task,Someday maybe,,,1,Ann (1),,the day after the rain,en,,,
meta,view_style,list,,,,,,,,,
"""


async def test_a_todoist_export_becomes_tasks_with_tags_dates_and_rules(client, alice):
    response = await client.post(
        "/api/v1/import/todoist",
        content=EXPORT.encode(),
        headers={**alice.headers, "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["imported"] == 4 and result["skipped"] == 0
    assert len(result["warnings"]) == 1 and "the day after the rain" in result["warnings"][0]
    items = (await client.get("/api/v1/tasks", headers=alice.headers)).json()["items"]
    tasks = {task["title"]: task for task in items}
    assert set(tasks) == {"Buy milk", "Call mum", "Pay rent", "Someday maybe"}

    milk = tasks["Buy milk"]
    assert milk["tags"] == ["Errands", "home", "shopping"]
    assert milk["priority"] == "urgent" and milk["all_day"] is True
    assert milk["due_at"] == "2030-03-05T00:00:00Z" and milk["timezone"] == "Europe/London"
    assert milk["description"] == "Semi-skimmed\n\nComment: Check the date on it"

    mum = tasks["Call mum"]
    assert mum["priority"] == "low" and mum["all_day"] is False
    assert mum["recurrence"]["rrule"] == "FREQ=WEEKLY;BYDAY=SU"
    due = datetime.fromisoformat(mum["due_at"]).astimezone(ZoneInfo("Europe/London"))
    assert due.weekday() == 6 and (due.hour, due.minute) == (18, 0)

    rent = tasks["Pay rent"]  # "every!" repeats from completion; a bad zone falls back
    assert (
        rent["recurrence"]["rrule"] == "FREQ=MONTHLY" and rent["recurrence"]["from"] == "completion"
    )
    assert rent["timezone"] == "UTC" and rent["priority"] == "high"

    someday = tasks["Someday maybe"]
    assert someday["due_at"] is None and someday["priority"] == "medium"
    assert someday["description"] == "Todoist date: the day after the rain"


@pytest.mark.parametrize(
    ("text", "due", "all_day", "rule"),
    [
        ("today", datetime(2030, 5, 8), True, None),
        ("tomorrow at 9:30", datetime(2030, 5, 9, 9, 30), False, None),
        ("May 20 2030 4pm", datetime(2030, 5, 20, 16), False, None),
        ("2030-06-01", datetime(2030, 6, 1), True, None),
        ("every day", datetime(2030, 5, 8), True, "FREQ=DAILY"),
        ("daily", datetime(2030, 5, 8), True, "FREQ=DAILY"),
        (
            "every weekday at 8am",
            datetime(2030, 5, 8, 8),
            False,
            "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
        ),
        ("every 2 weeks", datetime(2030, 5, 8), True, "FREQ=WEEKLY;INTERVAL=2"),
        ("every mon, fri", datetime(2030, 5, 10), True, "FREQ=WEEKLY;BYDAY=MO,FR"),
        ("every year", datetime(2030, 5, 8), True, "FREQ=YEARLY"),
        ("every other week", datetime(2030, 5, 8), True, "FREQ=WEEKLY;INTERVAL=2"),
        ("weekly at 7pm", datetime(2030, 5, 8, 19), False, "FREQ=WEEKLY"),
    ],
)
def test_todoist_date_texts(text, due, all_day, rule):
    zone = ZoneInfo("Europe/Paris")
    fields = parse_date(text, zone=zone, today=date(2030, 5, 8))  # a Wednesday
    assert fields["due_at"] == due.replace(tzinfo=zone) and fields["all_day"] is all_day
    assert (fields.get("recurrence") or {}).get("rrule") == rule


@pytest.mark.parametrize("text", ["next full moon", "every blue moon", "at 25:00", "every 0 days"])
def test_todoist_dates_it_does_not_understand_are_refused(text):
    with pytest.raises(DateNotUnderstood):
        parse_date(text, zone=ZoneInfo("UTC"), today=date(2030, 5, 8))


async def test_files_that_are_not_a_todoist_export_are_4xx(client, alice):
    h = {**alice.headers, "Content-Type": "text/csv"}
    cases = [
        (b"\xff\xfe\x00garbage", 400, "not UTF-8"),
        (b"title,due\nfoo,bar\n", 422, "not a Todoist CSV export"),
        (b"", 422, "not a Todoist CSV export"),
        (b'TYPE,CONTENT\ntask,"' + b"x" * 200_000 + b'"\n', 400, "not valid CSV"),
    ]
    for body, status, words in cases:
        response = await client.post("/api/v1/import/todoist", content=body, headers=h)
        assert response.status_code == status, (body[:30], response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert words in response.json()["detail"]
    assert (await client.get("/api/v1/tasks", headers=alice.headers)).json()["items"] == []

"""The private calendar feed's content: tasks with a due date as iCalendar VTODOs (RFC 5545),
generated with the `icalendar` package.

Each task is one VTODO: DTSTART is its due moment (the anchor of its RRULE and alarms); DUE is
the same moment, or for an all-day task the end of its day (it is due until the day ends). A
rule repeating from the due date is its RRULE (COUNT shortened to what is left of the series);
one repeating from completion has no RRULE (its next date is unknown until then). Reminders
are VALARMs: an offset before the due moment, or an absolute time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Todo, vRecur

from backend.tasks.models import PRIORITIES, Task

PRODID = "-//TaskFlow//Calendar feed//EN"
# RFC 5545 PRIORITY: 1 highest, 9 lowest (0 undefined).
ICAL_PRIORITY = {"urgent": 1, "high": 3, "medium": 5, "low": 9}
REFRESH = timedelta(minutes=15)


def _rrule(recurrence: dict[str, Any]) -> vRecur | None:
    if recurrence.get("from") != "due":
        return None
    parts = dict(part.split("=", 1) for part in recurrence["rrule"].split(";"))
    if "COUNT" in parts:
        left = int(parts["COUNT"]) - int(recurrence.get("index", 1)) + 1
        parts["COUNT"] = str(max(left, 1))
    return vRecur.from_ical(";".join(f"{k}={v}" for k, v in parts.items()))


def _alarm(reminder: dict[str, Any], title: str) -> Alarm:
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", title)
    if reminder.get("offset_minutes") is not None:
        alarm.add("trigger", -timedelta(minutes=int(reminder["offset_minutes"])))
    else:
        at = datetime.fromisoformat(str(reminder["at"]).replace("Z", "+00:00"))
        alarm.add("trigger", at, parameters={"VALUE": "DATE-TIME"})
    alarm.add("x-taskflow-reminder-id", str(reminder["id"]))
    return alarm


def task_todo(task: Task) -> Todo:
    todo = Todo()
    todo.add("uid", f"{task.id}@taskflow")
    todo.add("dtstamp", task.updated_at)
    todo.add("created", task.created_at)
    todo.add("last-modified", task.updated_at)
    todo.add("sequence", task.version - 1)
    todo.add("summary", task.title)
    if task.description:
        todo.add("description", task.description)
    local = task.due_at.astimezone(ZoneInfo(task.timezone))
    if task.all_day:
        todo.add("dtstart", local.date())
        todo.add("due", local.date() + timedelta(days=1))
    else:
        todo.add("dtstart", local)
        todo.add("due", local)
    todo.add("priority", ICAL_PRIORITY[PRIORITIES[task.priority]])
    if task.status == "completed":
        todo.add("status", "COMPLETED")
        if task.completed_at is not None:
            todo.add("completed", task.completed_at)
    else:
        todo.add("status", "NEEDS-ACTION")
    if task.tags:
        todo.add("categories", [tag.name for tag in task.tags])
    if task.recurrence and (rule := _rrule(task.recurrence)) is not None:
        todo.add("rrule", rule)
    for reminder in task.reminders or ():
        todo.add_component(_alarm(reminder, task.title))
    return todo


def calendar(tasks: Iterable[Task], *, name: str) -> bytes:
    """The feed: one VTODO per task, with the VTIMEZONEs their times name."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", REFRESH)
    for task in tasks:
        cal.add_component(task_todo(task))
    cal.add_missing_timezones()
    return cal.to_ical()

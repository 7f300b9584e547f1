"""The private calendar feed's content: tasks with a due date as iCalendar VTODOs (RFC 5545),
or as VEVENTs for calendars that show no to-dos, generated with the `icalendar` package.

Each task is one VTODO: DTSTART is its due moment (the anchor of its RRULE and alarms); DUE is
the same moment, or for an all-day task the end of its day (it is due until the day ends). A
rule repeating from the due date is its RRULE (COUNT shortened to what is left of the series);
one repeating from completion has no RRULE (its next date is unknown until then). Reminders
are VALARMs: an offset before the due moment, or an absolute time.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Component, Event, Todo, vRecur

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


def _common(component: Component, task: Task) -> None:
    """What a VTODO and a VEVENT of the task share."""
    component.add("uid", f"{task.id}@taskflow")
    component.add("dtstamp", task.updated_at)
    component.add("created", task.created_at)
    component.add("last-modified", task.updated_at)
    component.add("sequence", task.version - 1)
    component.add("summary", task.title)
    if task.description:
        component.add("description", task.description)
    component.add("priority", ICAL_PRIORITY[PRIORITIES[task.priority]])
    if task.tags:
        component.add("categories", [tag.name for tag in task.tags])
    if task.recurrence and (rule := _rrule(task.recurrence)) is not None:
        component.add("rrule", rule)
    for reminder in task.reminders or ():
        component.add_component(_alarm(reminder, task.title))


def _span(task: Task) -> tuple[date | datetime, date | datetime]:
    """(start, end) of the task: its due moment twice, or its day and the next one."""
    local = task.due_at.astimezone(ZoneInfo(task.timezone))
    if task.all_day:
        return local.date(), local.date() + timedelta(days=1)
    return local, local


def task_todo(task: Task) -> Todo:
    todo = Todo()
    start, end = _span(task)
    todo.add("dtstart", start)
    todo.add("due", end)
    _common(todo, task)
    if task.status == "completed":
        todo.add("status", "COMPLETED")
        if task.completed_at is not None:
            todo.add("completed", task.completed_at)
    else:
        todo.add("status", "NEEDS-ACTION")
    return todo


def task_event(task: Task) -> Event:
    """The task as an event, for calendars that show no to-dos (Google Calendar): all day on
    its day, or an instant at its due time."""
    event = Event()
    start, end = _span(task)
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("transp", "TRANSPARENT")  # a due task does not make its owner busy
    _common(event, task)
    return event


def calendar(tasks: Iterable[Task], *, name: str, events: bool = False) -> bytes:
    """The feed: one VTODO (or, with `events`, one VEVENT of each pending task) per task, with
    the VTIMEZONEs their times name."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", REFRESH)
    for task in tasks:
        if not events:
            cal.add_component(task_todo(task))
        elif task.status == "pending":
            cal.add_component(task_event(task))
    cal.add_missing_timezones()
    return cal.to_ical()

"""Reading a Todoist CSV export (a project's "Export as CSV") into tasks to import.

Columns used (others, such as AUTHOR, RESPONSIBLE, DURATION, are ignored):
TYPE (task / section / note), CONTENT (title, with @labels), DESCRIPTION, PRIORITY (1 = p1,
highest … 4 = p4), INDENT (sub-tasks become plain tasks), DATE (Todoist's date text, with
DATE_LANG "en"), TIMEZONE. docs/data.md lists how each maps.
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateutil import parser as date_parser
from dateutil.rrule import rrulestr
from pydantic import ValidationError

from backend.platform.errors import Problem
from backend.portability.imports import Batch, Incoming
from backend.portability.schemas import MAX_IMPORT_TASKS, ExportedTask
from backend.tasks.schemas import MAX_TAGS, check_timezone

PRIORITIES = {"1": "urgent", "2": "high", "3": "medium", "4": "low"}
_LABEL = re.compile(r"(?<!\S)@([^\s@]+)")
_TIME = re.compile(r"\s+at\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$", re.IGNORECASE)
_EVERY = re.compile(r"^every(!)?\s+(.+)$", re.IGNORECASE)
_COUNT_UNIT = re.compile(r"^(?:(\d+)\s+)?(day|week|month|year)s?$")
_DAYS = {
    "mon": "MO",
    "tue": "TU",
    "wed": "WE",
    "thu": "TH",
    "fri": "FR",
    "sat": "SA",
    "sun": "SU",
}
_FREQ = {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}
_PLAIN = {"daily": "every day", "weekly": "every week", "monthly": "every month"}


class DateNotUnderstood(ValueError):
    pass


def _time_of_day(text: str) -> tuple[str, time | None]:
    """The text without a trailing "at 9", "at 9:30", "at 5pm", and that time."""
    match = _TIME.search(text)
    if not match:
        return text, None
    hour, minute = int(match[1]), int(match[2] or 0)
    if match[3]:
        hour = hour % 12 + (12 if match[3].lower() == "pm" else 0)
    if hour > 23 or minute > 59:
        raise DateNotUnderstood(text)
    return text[: match.start()], time(hour, minute)


def _rule(words: str) -> str:
    """An RRULE for Todoist's recurrence words ("day", "3 weeks", "weekday", "monday, fri")."""
    words = re.sub(r"^other\s+", "2 ", words.strip().lower())  # "every other week"
    if words in {"weekday", "workday"}:
        return "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    unit = _COUNT_UNIT.match(words)
    if unit:
        interval = int(unit[1] or 1)
        if not 1 <= interval <= 1000:
            raise DateNotUnderstood(words)
        suffix = f";INTERVAL={interval}" if interval > 1 else ""
        return f"FREQ={_FREQ[unit[2]]}{suffix}"
    days = [part.strip()[:3] for part in re.split(r",|\band\b", words) if part.strip()]
    if days and all(day in _DAYS for day in days):
        return "FREQ=WEEKLY;BYDAY=" + ",".join(dict.fromkeys(_DAYS[day] for day in days))
    raise DateNotUnderstood(words)


def parse_date(text: str, *, zone: ZoneInfo, today: date) -> dict[str, Any]:
    """The task fields for Todoist's DATE text: due_at, all_day and perhaps a recurrence."""
    text = text.strip()
    rest, at = _time_of_day(text)
    rest = _PLAIN.get(rest.strip().lower(), rest)
    every = _EVERY.match(rest)
    if every:
        rule = _rule(every[2])
        start = datetime.combine(today, at or time(0), tzinfo=zone)
        first = rrulestr(rule, dtstart=start.replace(tzinfo=None)).after(
            start.replace(tzinfo=None), inc=True
        )
        if first is None:
            raise DateNotUnderstood(text)
        return {
            "due_at": first.replace(tzinfo=zone),
            "all_day": at is None,
            "recurrence": {"rrule": rule, "from": "completion" if every[1] else "due"},
        }
    relative = {"today": 0, "tomorrow": 1, "yesterday": -1}.get(rest.strip().lower())
    if relative is not None:
        day, timed = today + timedelta(days=relative), at
    else:
        try:
            parsed = date_parser.parse(rest, default=datetime.combine(today, time(0)))
        except (ValueError, OverflowError):
            raise DateNotUnderstood(text) from None
        has_clock = bool(re.search(r"\d:\d|\d\s*(am|pm)\b", rest, re.IGNORECASE))
        day, timed = parsed.date(), at or (parsed.time() if has_clock else None)
    return {
        "due_at": datetime.combine(day, timed or time(0), tzinfo=zone),
        "all_day": timed is None,
    }


def _decode(body: bytes) -> list[dict[str, str]]:
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Problem(400, "The file is not UTF-8 text: export it from Todoist again") from None
    try:
        rows = list(csv.DictReader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise Problem(400, f"The file is not valid CSV ({exc})") from None
    header = {name.strip().upper() for name in (rows[0].keys() if rows else []) if name}
    if not {"TYPE", "CONTENT"} <= header:
        raise Problem(
            422,
            "This is not a Todoist CSV export: it needs the columns TYPE and CONTENT "
            "(Todoist: project menu → Export as CSV)",
        )
    return [{(k or "").strip().upper(): (v or "") for k, v in row.items()} for row in rows]


def _title_and_labels(content: str) -> tuple[str, list[str]]:
    labels = [label[:50] for label in _LABEL.findall(content)]
    title = " ".join(_LABEL.sub(" ", content).split()) or content.strip()
    return title[:500], list(dict.fromkeys(labels))


def todoist_batch(body: bytes, *, user_timezone: str, today: date | None = None) -> Batch:
    """The tasks of a Todoist CSV export; what cannot be carried over goes to `warnings`."""
    rows = _decode(body)
    batch = Batch(tasks=[])
    section: str | None = None
    for number, row in enumerate(rows, start=2):
        kind = row.get("TYPE", "").strip().lower()
        content = row.get("CONTENT", "").strip()
        if kind == "section":
            section = content[:50] or None
        elif kind == "note" and batch.tasks and content:
            previous = batch.tasks[-1].task
            previous.description = (previous.description + f"\n\nComment: {content}")[:10_000]
        elif kind == "task" and content:
            if len(batch.tasks) >= MAX_IMPORT_TASKS:
                raise Problem(413, f"The file has more than {MAX_IMPORT_TASKS:,} tasks: split it")
            batch.tasks.append(
                Incoming(task=_task(row, number, section, user_timezone, today, batch), key=None)
            )
    return batch


def _task(
    row: dict[str, str],
    number: int,
    section: str | None,
    user_zone: str,
    today: date | None,
    batch: Batch,
) -> ExportedTask:
    title, labels = _title_and_labels(row["CONTENT"])
    if section:
        labels.append(section)
    description = row.get("DESCRIPTION", "")
    zone_name = row.get("TIMEZONE", "").strip()
    try:
        zone_name = check_timezone(zone_name) if zone_name else user_zone
    except ValueError:
        zone_name = user_zone
    fields: dict[str, Any] = {}
    date_text = row.get("DATE", "").strip()
    if date_text:
        try:
            local_today = datetime.now(ZoneInfo(zone_name)).date() if today is None else today
            fields = parse_date(date_text, zone=ZoneInfo(zone_name), today=local_today)
        except DateNotUnderstood:
            batch.warnings.append(
                f"line {number} ({title[:60]!r}): date {date_text!r} not understood; "
                "kept in the description, no due date set"
            )
            description = f"{description}\n\nTodoist date: {date_text}".strip()
    if len(description) > 10_000:
        batch.warnings.append(f"line {number}: description cut to 10,000 characters")
    try:
        return ExportedTask.model_validate(
            {
                "id": uuid.uuid4(),
                "title": title,
                "description": description[:10_000],
                "priority": PRIORITIES.get(row.get("PRIORITY", "").strip(), "medium"),
                "tags": list(dict.fromkeys(labels))[:MAX_TAGS],
                "timezone": zone_name,
                **fields,
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise Problem(422, f"line {number}: {where}: {first['msg']}; nothing imported") from None

"""When the next occurrence of a recurring task is due: RFC 5545 rules (python-dateutil's
rrule) expanded in the task's own time zone, in wall-clock time.

- `from: "due"` expands from the completed occurrence's due time and skips occurrences already
  in the past, so the next one is in the future; `from: "completion"` expands from the
  completion (on the task's due time of day, when it had one).
- COUNT is the number of tasks in the series: each task carries its position
  (`recurrence.index`). Occurrences skipped because a task was completed late are not
  counted: counting them meant expanding the whole past (a daily task due in year 1 took
  ~4 s of CPU per completion; a sparse rule due in 1900 still ~130 ms). UNTIL ends the
  series too.
- The past is never expanded: the expansion starts a period or two before now (DTSTART moved
  forward by whole periods, with what dateutil takes from DTSTART written into the rule), so
  a task due in 1900 costs what one due last week does.
- All-day tasks stay dates (local midnight); "every day at 09:00 Europe/Berlin" stays 09:00
  local across DST. Monthly on the 31st skips shorter months, as RFC 5545 says.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

_UNTIL = re.compile(r"UNTIL=(\d{8}(?:T\d{6})?)(Z?)")
_COUNT = re.compile(r";?COUNT=(\d+)")
_DST_MARGIN = timedelta(hours=3)
_WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
# Parts whose presence stops dateutil from taking the day of the series from DTSTART.
_DAY_PARTS = {"BYWEEKNO", "BYYEARDAY", "BYMONTHDAY", "BYDAY", "BYEASTER"}


@dataclass(frozen=True)
class NextOccurrence:
    due_at: datetime  # aware, in the task's zone
    index: int  # its position in the series

    def key(self, series_id: str) -> str:
        """The idempotency key of this occurrence: one task per (series, occurrence date)."""
        return f"{series_id}:{self.due_at.astimezone(UTC).strftime('%Y%m%dT%H%M%SZ')}"


def _local(value: datetime, zone: ZoneInfo) -> datetime:
    """Wall-clock time in `zone`, naive (what rrule expands over)."""
    return value.astimezone(zone).replace(tzinfo=None)


def _explicit(text: str, start: datetime) -> str:
    """`text` with what dateutil would take from DTSTART (the weekday of a weekly rule, the
    day of a monthly one, the month and day of a yearly one) written into the rule, so that
    moving DTSTART by whole periods does not change which days match."""
    parts = dict(part.split("=", 1) for part in text.split(";") if part)
    if not _DAY_PARTS & parts.keys():
        freq = parts.get("FREQ")
        if freq == "WEEKLY":
            parts["BYDAY"] = _WEEKDAYS[start.weekday()]
        elif freq == "MONTHLY":
            parts["BYMONTHDAY"] = str(start.day)
        elif freq == "YEARLY":
            parts.setdefault("BYMONTH", str(start.month))
            parts["BYMONTHDAY"] = str(start.day)
    return ";".join(f"{key}={value}" for key, value in parts.items())


def _moved_start(start: datetime, text: str, before: datetime) -> datetime:
    """`start` moved forward by whole periods (INTERVAL x FREQ) to at least one whole period
    before `before`: the same occurrences from there on, with none of the past expanded."""
    parts = dict(part.split("=", 1) for part in text.split(";") if part)
    interval = int(parts.get("INTERVAL", "1"))
    freq = parts.get("FREQ")
    if freq in ("DAILY", "WEEKLY"):
        step = interval * (7 if freq == "WEEKLY" else 1)
        periods = (before - start).days // step - 1
        return start + timedelta(days=periods * step) if periods > 0 else start
    months = (before.year - start.year) * 12 + before.month - start.month
    unit = interval * (12 if freq == "YEARLY" else 1)
    periods = months // unit - 1
    if periods <= 0:
        return start
    year, month = divmod(start.month - 1 + periods * unit, 12)
    return start.replace(year=start.year + year, month=month + 1, day=1)


def _rule(
    text: str, start: datetime, zone: ZoneInfo, *, expand_from: datetime | None = None
) -> tuple[rrule, int | None]:
    """The rule without COUNT (enforced by the series index), UNTIL in local wall time,
    expanded from `expand_from` (a start moved by whole periods) or from `start`."""
    count_match = _COUNT.search(text)
    count = int(count_match.group(1)) if count_match else None
    text = _explicit(_COUNT.sub("", text).lstrip(";"), start)

    def local_until(match: re.Match[str]) -> str:
        raw, utc = match.groups()
        until = datetime.strptime(raw, "%Y%m%dT%H%M%S" if "T" in raw else "%Y%m%d")
        if utc:
            until = _local(until.replace(tzinfo=UTC), zone)
        elif "T" not in raw:
            until = datetime.combine(until.date(), time.max)  # a date: through that whole day
        return f"UNTIL={until:%Y%m%dT%H%M%S}"

    text = _UNTIL.sub(local_until, text)
    return rrulestr(text, dtstart=expand_from or start), count


def next_occurrence(
    *,
    rule: str,
    repeat_from: str,
    index: int,
    zone_name: str,
    due_at: datetime | None,
    all_day: bool,
    completed_at: datetime,
    now: datetime,
) -> NextOccurrence | None:
    """The occurrence after the completed one, or None when the series has ended."""
    zone = ZoneInfo(zone_name)
    if repeat_from == "due":
        if due_at is None:
            return None
        start = _local(due_at, zone)
        # Around a DST change wall-clock order is not real-time order: search from a little
        # before `now` in wall time, then skip what is not in the future in real time.
        reference = max(start, _local(now, zone) - _DST_MARGIN)
        found, count = _after_due(rule, start, zone, reference=reference, now=now)
    else:
        done = _local(completed_at, zone)
        if all_day:
            start = datetime.combine(done.date(), time())
        elif due_at is not None:
            start = datetime.combine(done.date(), _local(due_at, zone).time())
        else:
            start = done.replace(second=0, microsecond=0)
        expansion, count = _rule(rule, start, zone)
        found = expansion.after(start, inc=False)
    position = index + 1
    if found is None or (count is not None and position > count):
        return None
    if all_day:
        found = datetime.combine(found.date(), time())
    return NextOccurrence(due_at=found.replace(tzinfo=zone), index=position)


def _after_due(
    rule: str, start: datetime, zone: ZoneInfo, *, reference: datetime, now: datetime
) -> tuple[datetime | None, int | None]:
    """The first occurrence after `reference` (wall time) that is after `now` (real time),
    expanded from a period or two before `reference`; and the rule's COUNT."""
    moved = _moved_start(start, rule, reference)
    expansion, count = _rule(rule, start, zone, expand_from=moved)
    found = expansion.after(reference, inc=False)
    while found is not None and found.replace(tzinfo=zone) <= now:
        found = expansion.after(found, inc=False)
    return found, count


def shift_reminders(reminders: list[dict], delta: timedelta | None) -> list[dict]:
    """Reminders of the next occurrence: relative ones as they are, absolute ones moved with
    the due date (dropped when there is no due date to move with)."""
    shifted = []
    for reminder in reminders:
        if reminder.get("offset_minutes") is not None:
            shifted.append({"offset_minutes": reminder["offset_minutes"]})
        elif reminder.get("at") and delta is not None:
            at = datetime.fromisoformat(str(reminder["at"]).replace("Z", "+00:00"))
            shifted.append({"at": at + delta})
    return shifted

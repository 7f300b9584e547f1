"""When the next occurrence of a recurring task is due: RFC 5545 rules (python-dateutil's
rrule) expanded in the task's own time zone, in wall-clock time.

- `from: "due"` expands from the completed occurrence's due time and skips occurrences already
  in the past, so the next one is in the future; `from: "completion"` expands from the
  completion (on the task's due time of day, when it had one).
- COUNT is the number of occurrences in the whole series: each task carries its position
  (`recurrence.index`); skipped past occurrences count. UNTIL ends the series too.
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


def _rule(text: str, start: datetime, zone: ZoneInfo) -> tuple[rrule, int | None]:
    """The rule without COUNT (enforced by the series index), UNTIL in local wall time."""
    count_match = _COUNT.search(text)
    count = int(count_match.group(1)) if count_match else None
    text = _COUNT.sub("", text).lstrip(";")

    def local_until(match: re.Match[str]) -> str:
        raw, utc = match.groups()
        until = datetime.strptime(raw, "%Y%m%dT%H%M%S" if "T" in raw else "%Y%m%d")
        if utc:
            until = _local(until.replace(tzinfo=UTC), zone)
        elif "T" not in raw:
            until = datetime.combine(until.date(), time.max)  # a date: through that whole day
        return f"UNTIL={until:%Y%m%dT%H%M%S}"

    text = _UNTIL.sub(local_until, text)
    return rrulestr(text, dtstart=start), count


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
        expansion, count = _rule(rule, start, zone)
        # Around a DST change wall-clock order is not real-time order: search from a little
        # before `now` in wall time, then skip what is not in the future in real time.
        reference = max(start, _local(now, zone) - _DST_MARGIN)
        found = expansion.after(reference, inc=False)
        while found is not None and found.replace(tzinfo=zone) <= now:
            found = expansion.after(found, inc=False)
        if found is None:
            return None
        position = index + len(expansion.between(start, found, inc=False)) + 1
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
        if found is None:
            return None
        position = index + 1
    if count is not None and position > count:
        return None
    if all_day:
        found = datetime.combine(found.date(), time())
    return NextOccurrence(due_at=found.replace(tzinfo=zone), index=position)


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

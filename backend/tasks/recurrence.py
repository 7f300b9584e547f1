"""Recurrence rules: the shorthands of api.md, stored as validated RFC 5545 RRULEs."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from dateutil.rrule import rrulestr

from backend.platform.text import EARLIEST_YEAR, LATEST_YEAR

SHORTHANDS = {
    "daily": "FREQ=DAILY",
    "weekdays": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR",
    "weekly": "FREQ=WEEKLY",
    "monthly": "FREQ=MONTHLY",
    "monthly on the last day": "FREQ=MONTHLY;BYMONTHDAY=-1",
    "yearly": "FREQ=YEARLY",
}
_EVERY_N = re.compile(r"^every\s+(\d{1,3})\s+(day|week|month|year)s?$")
_UNIT_FREQ = {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}
ALLOWED_FREQ = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}
_FORBIDDEN_PARTS = {"DTSTART", "BYHOUR", "BYMINUTE", "BYSECOND"}
MAX_INTERVAL = 1000
# A window of the last Gregorian years without a century leap exception: 50 years hold every
# (leap year, weekday of 1 January) combination, so a rule with no day in it has none ever.
_PROBE_START = datetime(9950, 1, 1)


class RecurrenceError(ValueError):
    """The rule can't be used; the message says what to send instead."""


def normalize_rrule(rule: str) -> str:
    """Expand a shorthand and return the canonical RRULE text (without `RRULE:`)."""
    text = " ".join(rule.strip().split())
    if not text:
        raise RecurrenceError("rrule is empty: send an RRULE like 'FREQ=WEEKLY;BYDAY=MO'")
    lowered = text.lower()
    if lowered in SHORTHANDS:
        return SHORTHANDS[lowered]
    if match := _EVERY_N.match(lowered):
        count = int(match.group(1))
        if count < 1:
            raise RecurrenceError("'every N ...' needs N of at least 1")
        return f"FREQ={_UNIT_FREQ[match.group(2)]};INTERVAL={count}"
    body = text.upper().removeprefix("RRULE:")
    parts: dict[str, str] = {}
    for part in body.split(";"):
        key, sep, value = part.partition("=")
        if not sep or not key or not value:
            raise RecurrenceError(f"rrule part '{part}' is not KEY=VALUE")
        if key in parts:
            raise RecurrenceError(f"rrule names {key} twice")
        parts[key] = value
    if parts.get("FREQ") not in ALLOWED_FREQ:
        raise RecurrenceError("rrule needs FREQ=DAILY, WEEKLY, MONTHLY or YEARLY")
    if forbidden := _FORBIDDEN_PARTS & parts.keys():
        raise RecurrenceError(
            f"rrule must not set {', '.join(sorted(forbidden))}: the task's due time is the start"
        )
    if "COUNT" in parts and "UNTIL" in parts:
        raise RecurrenceError("rrule may set COUNT or UNTIL, not both")
    _check_bounds(parts)
    canonical = ";".join(f"{k}={v}" for k, v in parts.items())
    # dateutil wants UNTIL and DTSTART both aware or both naive.
    aware = parts.get("UNTIL", "").endswith("Z")
    try:
        rrulestr(canonical, dtstart=datetime(2000, 1, 1, tzinfo=UTC if aware else None))
    except (ValueError, TypeError) as exc:
        raise RecurrenceError(f"rrule is not valid RFC 5545: {exc}") from None
    _check_occurs(parts)
    return canonical


def _check_bounds(parts: dict[str, str]) -> None:
    interval = parts.get("INTERVAL")
    if interval is not None and not (interval.isdigit() and 1 <= int(interval) <= MAX_INTERVAL):
        raise RecurrenceError(f"rrule INTERVAL must be a whole number from 1 to {MAX_INTERVAL}")
    until = parts.get("UNTIL", "")
    if until and not (until[:4].isdigit() and EARLIEST_YEAR <= int(until[:4]) <= LATEST_YEAR):
        raise RecurrenceError(f"rrule UNTIL must be in the years {EARLIEST_YEAR} to {LATEST_YEAR}")


def _check_occurs(parts: dict[str, str]) -> None:
    """Refuse a rule that matches no day at all (e.g. BYMONTH=2;BYMONTHDAY=30): expanding one
    would search up to the year 9999 before giving up."""
    probe = {k: v for k, v in parts.items() if k not in {"COUNT", "UNTIL", "INTERVAL"}}
    rule = rrulestr(";".join(f"{k}={v}" for k, v in probe.items()), dtstart=_PROBE_START)
    if rule.after(_PROBE_START, inc=True) is None:
        raise RecurrenceError(
            "rrule matches no date at all (check BYMONTH/BYMONTHDAY/BYDAY/BYSETPOS together)"
        )

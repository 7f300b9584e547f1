"""Monthly partitions of `audit_events`: kept created ahead, and created on demand for a late
or early event, through the migration's `audit_ensure_partition(month)` (SECURITY DEFINER)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import UTC, date, datetime

import asyncpg
import structlog

log = structlog.get_logger("taskflow.audit.partitions")

_EXISTING = (
    "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
    "WHERE i.inhparent = 'audit_events'::regclass"
)


def month_of(moment: datetime | date) -> date:
    """The first day of the (UTC) month `moment` falls in."""
    if isinstance(moment, datetime):
        moment = moment.astimezone(UTC)
    return date(moment.year, moment.month, 1)


def add_months(month: date, count: int) -> date:
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"audit_events_{month:%Y_%m}"


class Partitions:
    """Which months have a partition (cached per process), creating missing ones."""

    def __init__(self) -> None:
        self._known: set[str] | None = None
        self._lock = asyncio.Lock()

    async def ensure(self, connection: asyncpg.Connection, months: Iterable[date]) -> None:
        """Make sure every month in `months` has its partition (outside any transaction)."""
        wanted = {partition_name(m): m for m in months}
        if self._known is not None and wanted.keys() <= self._known:
            return
        async with self._lock:
            if self._known is None:
                self._known = {row[0] for row in await connection.fetch(_EXISTING)}
            for name, month in sorted(wanted.items()):
                if name not in self._known:
                    await connection.fetchval("SELECT audit_ensure_partition($1)", month)
                    log.info("audit_partition_created", partition=name)
                    self._known.add(name)

    def forget(self) -> None:
        """Re-read the catalogue next time (after an insert found no partition)."""
        self._known = None


async def ensure_ahead(
    connection: asyncpg.Connection, *, months_ahead: int, today: date | None = None
) -> list[str]:
    """Create this month's partition and the next `months_ahead`; returns their names."""
    first = month_of(today or datetime.now(UTC))
    names = []
    for offset in range(months_ahead + 1):
        names.append(
            await connection.fetchval(
                "SELECT audit_ensure_partition($1)", add_months(first, offset)
            )
        )
    return names

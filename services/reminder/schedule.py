"""The reminder schedule in Redis: a sorted set of reminders scored by fire time (ms), a sorted
set of claimed reminders scored by lease expiry, and one JSON state per task.

A member is `<task id>|<reminder id>|<fire ms>`: it names one firing of one reminder, so
rescheduling a reminder to another time is a new member, and the trigger's event id (uuid5 of
the member) is the same however often that firing is retried. The task state holds the task
version applied last, whether the task is live, its payload (user, title, due), its members as of
that version and the members it has fired.
Every change is one Lua script (lua/), so replicas and redeliveries never see half of one.
"""

from __future__ import annotations

import functools
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import redis.asyncio as aioredis

DEFAULT_PREFIX = "taskflow:{reminders}"
SNOOZE = "snooze-"
STATE_TTL_SECONDS = 30 * 24 * 3600
EVENT_NAMESPACE = uuid.UUID("6f0c5d2e-7a8b-4c1d-9e3f-2a4b6c8d0e1f")
_LUA = Path(__file__).with_name("lua")


@functools.cache
def _script(name: str) -> str:
    return (_LUA / f"{name}.lua").read_text()


@dataclass(frozen=True, slots=True)
class Entry:
    """One firing of one reminder."""

    task_id: str
    reminder_id: str
    fire_ms: int

    @property
    def member(self) -> str:
        return f"{self.task_id}|{self.reminder_id}|{self.fire_ms}"

    @property
    def event_id(self) -> uuid.UUID:
        return uuid.uuid5(EVENT_NAMESPACE, self.member)

    @property
    def fire_at(self) -> datetime:
        return datetime.fromtimestamp(self.fire_ms / 1000, UTC)

    @classmethod
    def parse(cls, member: str) -> Entry:
        task_id, reminder_id, fire_ms = member.split("|")
        return cls(task_id, reminder_id, int(fire_ms))


@dataclass(frozen=True, slots=True)
class Claim:
    entry: Entry
    reclaimed: bool


def state_ttl(entries: list[Entry], now_ms: int) -> int:
    """Keep a task's state 30 days past its last scheduled firing."""
    latest = max((e.fire_ms for e in entries), default=now_ms)
    return STATE_TTL_SECONDS + max(0, latest - now_ms) // 1000


class Schedule:
    def __init__(self, redis: aioredis.Redis, *, prefix: str = DEFAULT_PREFIX) -> None:
        self.redis = redis
        self.prefix = prefix
        self.key = f"{prefix}:schedule"
        self.leases = f"{prefix}:leases"
        self.channel = f"{prefix}:wake"
        self._apply = redis.register_script(_script("apply"))
        self._claim = redis.register_script(_script("claim"))
        self._snooze = redis.register_script(_script("snooze"))

    def task_key(self, task_id: str) -> str:
        return f"{self.prefix}:task:{task_id}"

    async def apply(
        self,
        *,
        task_id: str,
        version: int,
        meta: dict[str, Any],
        live: bool,
        entries: list[Entry],
        reference_ms: int,
        now_ms: int,
    ) -> int | None:
        """Make the task's schedule exactly `entries` (none unless `live`); None if `version`
        is not newer than the version applied last (a stale or repeated event)."""
        args: list[Any] = [
            version,
            orjson.dumps(meta).decode(),
            "1" if live else "0",
            reference_ms,
            state_ttl(entries, now_ms),
            self.channel,
        ]
        for entry in entries:
            args += [entry.member, entry.fire_ms]
        result = await self._apply(keys=[self.key, self.leases, self.task_key(task_id)], args=args)
        return None if int(result) < 0 else int(result)

    async def add_snooze(
        self, *, entry: Entry, task_version: int, meta: dict[str, Any], now_ms: int
    ) -> bool:
        """Add a one-off reminder; False when a newer task version already finished the task."""
        result = await self._snooze(
            keys=[self.key, self.task_key(entry.task_id)],
            args=[
                entry.member,
                entry.fire_ms,
                task_version,
                orjson.dumps(meta).decode(),
                state_ttl([entry], now_ms),
                self.channel,
            ],
        )
        return bool(int(result))

    async def claim(self, *, now_ms: int, lease_ms: int, limit: int) -> list[Claim]:
        """Atomically take up to `limit` (≤ 4000) due reminders and expired leases."""
        flat = await self._claim(keys=[self.key, self.leases], args=[now_ms, lease_ms, limit])
        return [Claim(Entry.parse(flat[i]), flat[i + 1] == "1") for i in range(0, len(flat), 2)]

    async def states(self, task_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The stored state of each task that has one."""
        if not task_ids:
            return {}
        raws = await self.redis.mget([self.task_key(t) for t in task_ids])
        return {t: orjson.loads(raw) for t, raw in zip(task_ids, raws, strict=True) if raw}

    async def ack(self, entries: list[Entry]) -> int:
        """Forget fired (or dropped) reminders: release their leases. The task's state still
        lists them, which is how its next version knows they fired (lua/apply.lua)."""
        if not entries:
            return 0
        return int(await self.redis.zrem(self.leases, *(e.member for e in entries)))

    async def next_due_ms(self) -> int | None:
        """The earliest fire time or lease expiry, if anything is scheduled or claimed."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zrange(self.key, 0, 0, withscores=True)
            pipe.zrange(self.leases, 0, 0, withscores=True)
            first, lease = await pipe.execute()
        scores = [int(s) for _, s in (*first, *lease)]
        return min(scores) if scores else None

    async def entries(self, task_id: str | None = None) -> dict[str, int]:
        """Scheduled (unclaimed) members and their fire ms, optionally of one task."""
        pairs = await self.redis.zrange(self.key, 0, -1, withscores=True)
        return {m: int(s) for m, s in pairs if task_id is None or m.startswith(f"{task_id}|")}

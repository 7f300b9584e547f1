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
import hashlib
import uuid
from collections import defaultdict
from collections.abc import Iterable
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
    def event_key(self) -> str:
        """`str(self.event_id)` at a third of the cost (a burst builds thousands)."""
        return event_key(self.member)

    @property
    def fire_at(self) -> datetime:
        return datetime.fromtimestamp(self.fire_ms / 1000, UTC)

    @classmethod
    def parse(cls, member: str) -> Entry:
        task_id, reminder_id, fire_ms = member.split("|")
        return cls(task_id, reminder_id, int(fire_ms))


_NAMESPACE_BYTES = EVENT_NAMESPACE.bytes


def event_key(member: str) -> str:
    """uuid5(EVENT_NAMESPACE, member) as a string, as `uuid` computes it (RFC 4122, SHA-1)."""
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + member.encode()).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _entries(joined: str) -> list[Entry]:
    """Members as the scripts return them: joined with '|', three fields each."""
    if not joined:
        return []
    parts = joined.split("|")
    return [Entry(parts[i], parts[i + 1], int(parts[i + 2])) for i in range(0, len(parts), 3)]


@dataclass(frozen=True, slots=True)
class Claim:
    """A claimed firing and the expiry of its lease, which tells this claim from a later one."""

    entry: Entry
    reclaimed: bool
    lease_ms: int
    epoch: int
    """The lease epoch right after the claim (lua/claim.lua)."""


def _by_lease(claims: Iterable[Claim]) -> list[Any]:
    """Script arguments: lease expiry, its members joined with '|', ..."""
    groups: dict[int, list[str]] = defaultdict(list)
    for claim in claims:
        groups[claim.lease_ms].append(claim.entry.member)
    args: list[Any] = []
    for lease_ms, members in groups.items():
        args += [lease_ms, "|".join(members)]
    return args


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
        self.epoch_key = f"{prefix}:epoch"
        self._apply = redis.register_script(_script("apply"))
        self._claim = redis.register_script(_script("claim"))
        self._snooze = redis.register_script(_script("snooze"))
        self._held = redis.register_script(_script("held"))
        self._release = redis.register_script(_script("release"))

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
        keys = [self.key, self.leases, self.task_key(task_id), self.epoch_key]
        result = await self._apply(keys=keys, args=args)
        return None if int(result) < 0 else int(result)

    async def add_snooze(
        self, *, entry: Entry, task_version: int, meta: dict[str, Any], now_ms: int, most: int
    ) -> int:
        """Add a one-off reminder: 1 when added, 0 when a newer task version already finished
        the task, -1 when it already has `most` reminders (snoozes included) waiting to fire."""
        result = await self._snooze(
            keys=[self.key, self.task_key(entry.task_id)],
            args=[
                entry.member,
                entry.fire_ms,
                task_version,
                orjson.dumps(meta).decode(),
                state_ttl([entry], now_ms),
                self.channel,
                most,
            ],
        )
        return int(result)

    async def claim(
        self, *, now_ms: int, lease_ms: int, limit: int, horizon_ms: int | None = None
    ) -> list[Claim]:
        """Atomically take up to `limit` (≤ 4000) reminders due by `horizon_ms` (default now)
        and expired leases. A lease runs `lease_ms` past the horizon, so past any fire time."""
        horizon_ms = now_ms if horizon_ms is None else max(now_ms, horizon_ms)
        expires = horizon_ms + lease_ms
        reclaimed, due, epoch = await self._claim(
            keys=[self.key, self.leases, self.epoch_key],
            args=[now_ms, horizon_ms, expires, limit],
        )
        epoch = int(epoch)
        return [Claim(e, True, expires, epoch) for e in _entries(reclaimed)] + [
            Claim(e, False, expires, epoch) for e in _entries(due)
        ]

    async def epoch(self) -> int:
        """The lease epoch: unchanged since a claim means none of its leases was taken."""
        return int(await self.redis.get(self.epoch_key) or 0)

    async def states(self, task_ids: list[str]) -> dict[str, dict[str, Any]]:
        """The stored state of each task that has one."""
        if not task_ids:
            return {}
        raws = await self.redis.mget([self.task_key(t) for t in task_ids])
        return {t: orjson.loads(raw) for t, raw in zip(task_ids, raws, strict=True) if raw}

    async def held(self, claims: list[Claim]) -> list[bool]:
        """Whether each claim's lease is still there with its expiry: not cancelled by a
        completion, deletion or reschedule, nor re-claimed by another replica."""
        if not claims:
            return []
        order = sorted(range(len(claims)), key=lambda i: claims[i].lease_ms)
        flags = await self._held(keys=[self.leases], args=_by_lease(claims[i] for i in order))
        held = [False] * len(claims)
        for i, flag in zip(order, flags, strict=True):
            held[i] = flag == "1"
        return held

    async def ack(self, claims: list[Claim]) -> int:
        """Forget fired (or dropped) reminders: release their leases. The task's state still
        lists them, which is how its next version knows they fired (lua/apply.lua)."""
        return await self._release_leases("ack", claims)

    async def give_back(self, claims: list[Claim]) -> int:
        """Return unpublished claims to the schedule at their fire time (a replica stopping),
        so they fire on time from another replica instead of after their lease."""
        return await self._release_leases("return", claims)

    async def _release_leases(self, how: str, claims: list[Claim]) -> int:
        if not claims:
            return 0
        args = [how, self.channel, *_by_lease(claims)]
        return int(await self._release(keys=[self.key, self.leases], args=args))

    async def next_times(self) -> tuple[int | None, int | None]:
        """The earliest scheduled fire time and the earliest lease expiry (None if none)."""
        async with self.redis.pipeline(transaction=False) as pipe:
            pipe.zrange(self.key, 0, 0, withscores=True)
            pipe.zrange(self.leases, 0, 0, withscores=True)
            first, lease = await pipe.execute()
        return (int(first[0][1]) if first else None, int(lease[0][1]) if lease else None)

    async def next_due_ms(self) -> int | None:
        """The earliest fire time or lease expiry, if anything is scheduled or claimed."""
        times = [t for t in await self.next_times() if t is not None]
        return min(times) if times else None

    async def entries(self, task_id: str | None = None) -> dict[str, int]:
        """Scheduled (unclaimed) members and their fire ms, optionally of one task."""
        pairs = await self.redis.zrange(self.key, 0, -1, withscores=True)
        return {m: int(s) for m, s in pairs if task_id is None or m.startswith(f"{task_id}|")}

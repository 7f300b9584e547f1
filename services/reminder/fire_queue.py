"""Claims waiting for their fire time, earliest first. A burst that shares one fire time is one
heap entry, so taking thousands at once costs a list copy, not thousands of heap pops."""

from __future__ import annotations

import heapq
from typing import Generic, TypeVar

T = TypeVar("T")


class FireQueue(Generic[T]):
    def __init__(self) -> None:
        self._times: list[int] = []  # a heap of the distinct fire times
        self._by_time: dict[int, list[T]] = {}
        self._size = 0

    def __len__(self) -> int:
        return self._size

    def push(self, fire_ms: int, item: T) -> None:
        bucket = self._by_time.get(fire_ms)
        if bucket is None:
            self._by_time[fire_ms] = bucket = []
            heapq.heappush(self._times, fire_ms)
        bucket.append(item)
        self._size += 1

    def first_ms(self) -> int | None:
        """The earliest fire time waiting, if any."""
        return self._times[0] if self._times else None

    def pop_due(self, now_ms: int, limit: int) -> list[T]:
        """Up to `limit` items due at `now_ms` or before (none due later), earliest first."""
        due: list[T] = []
        while self._times and self._times[0] <= now_ms and len(due) < limit:
            fire_ms = self._times[0]
            bucket = self._by_time[fire_ms]
            room = limit - len(due)
            if len(bucket) <= room:
                due += bucket
                heapq.heappop(self._times)
                del self._by_time[fire_ms]
            else:
                due += bucket[:room]
                del bucket[:room]
        self._size -= len(due)
        return due

    def drain(self) -> list[T]:
        """Everything still waiting; the queue is empty afterwards."""
        items = [item for bucket in self._by_time.values() for item in bucket]
        self._times.clear()
        self._by_time.clear()
        self._size = 0
        return items

"""How the relay hands outbox events on: in-process (`local`) or to the Dapr sidecar (`dapr`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

import asyncpg


@dataclass(frozen=True, slots=True)
class OutboxRow:
    id: int
    topic: str
    partition_key: str
    event: dict[str, Any]


class Transport(Protocol):
    async def publish(self, connection: asyncpg.Connection, rows: list[OutboxRow]) -> set[int]:
        """Hand the rows on, in order per partition; return the ids the transport accepted.

        Runs inside the relay's transaction on `connection`, which then marks the accepted
        rows published; a row not accepted stays in the outbox and is tried again."""
        ...

    async def close(self) -> None: ...

"""How a service declares what it consumes: topic → handler, with its dead-letter topic.

The same `Subscription` drives both transports: Dapr delivers to `route` (see
`GET /dapr/subscribe`), the local transport calls `handler` in-process. A handler gets a
`Delivery` and answers with an `Outcome` (returning None means SUCCESS; raising means RETRY).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from backend.platform.runtime import Runtime


class Outcome(StrEnum):
    SUCCESS = "SUCCESS"
    RETRY = "RETRY"
    DROP = "DROP"


@dataclass(frozen=True, slots=True)
class Delivery:
    """One CloudEvent as a subscriber receives it."""

    event: dict[str, Any]
    topic: str
    runtime: Runtime
    attempt: int = 1

    @property
    def id(self) -> str:
        return str(self.event["id"])

    @property
    def type(self) -> str:
        return str(self.event.get("type", ""))

    @property
    def data(self) -> dict[str, Any]:
        data = self.event.get("data")
        return data if isinstance(data, dict) else {}


Handler = Callable[[Delivery], Awaitable[Outcome | None]]


@dataclass(frozen=True, slots=True)
class Subscription:
    """`name` is unique across all services (it keys inbox and progress rows), e.g.
    "audit.task-events"; `route` is the POST path Dapr delivers to."""

    name: str
    topic: str
    handler: Handler
    route: str
    dead_letter_topic: str | None = None

    @property
    def dlq_topic(self) -> str:
        return self.dead_letter_topic or f"{self.topic}-dlq"

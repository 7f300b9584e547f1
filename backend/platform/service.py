"""What one TaskFlow service contributes to a process: routes, subscriptions, workers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from fastapi import APIRouter

from backend.platform.events.subscriptions import Subscription
from backend.platform.runtime import Runtime

Worker = Callable[[Runtime], Awaitable[None]]
"""A long-running coroutine started with the process and cancelled at shutdown."""


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    routers: Sequence[APIRouter] = ()
    subscriptions: Sequence[Subscription] = ()
    workers: Sequence[Worker] = field(default_factory=tuple)
    relay: bool = False
    """Whether this service writes the outbox, so its process must run the relay."""

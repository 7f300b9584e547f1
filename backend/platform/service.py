"""What one TaskFlow service contributes to a process: routes, subscriptions, workers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter

from backend.platform.runtime import Runtime

Worker = Callable[[Runtime], Awaitable[None]]
"""A long-running coroutine started with the process and cancelled at shutdown."""


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    routers: Sequence[APIRouter] = ()
    subscriptions: Sequence[Any] = ()
    workers: Sequence[Worker] = field(default_factory=tuple)

"""The recurring service: creates the next occurrence when a recurring task is completed."""

from __future__ import annotations

from backend.platform.service import ServiceSpec
from services.recurring.client import check_invocation
from services.recurring.subscriptions import SUBSCRIPTIONS


def spec() -> ServiceSpec:
    return ServiceSpec(name="recurring", subscriptions=SUBSCRIPTIONS, workers=(check_invocation,))

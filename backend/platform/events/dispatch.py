"""Runs one subscriber's handler for one event: the code both transports call."""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime

import structlog
from opentelemetry.trace import SpanKind

from backend.platform.events.metrics import COMMIT_TO_HANDLER, DELIVERIES, HANDLER_SECONDS
from backend.platform.events.subscriptions import Delivery, Outcome, Subscription
from backend.platform.tracing import span

log = structlog.get_logger("taskflow.events")
HANDLER_TIMEOUT_SECONDS = 30.0


def _commit_lag(event: dict) -> float | None:
    try:
        committed = datetime.fromisoformat(str(event["time"]).replace("Z", "+00:00"))
    except (KeyError, ValueError):
        return None
    return max(0.0, (datetime.now(UTC) - committed).total_seconds())


async def dispatch(subscription: Subscription, delivery: Delivery) -> Outcome:
    """The handler's outcome; an exception or a timeout is RETRY, never a crash."""
    if not delivery.event.get("id") or not delivery.event.get("type"):
        log.warning("malformed_event_dropped", subscriber=subscription.name)
        DELIVERIES.labels(subscription.name, Outcome.DROP).inc()
        return Outcome.DROP
    if (lag := _commit_lag(delivery.event)) is not None and delivery.attempt == 1:
        COMMIT_TO_HANDLER.labels(subscription.name).observe(lag)
    started = time.perf_counter()
    with span(
        f"{subscription.name} handle {delivery.type}",
        traceparent=delivery.event.get("traceparent"),
        kind=SpanKind.CONSUMER,
        attributes={
            "messaging.message.id": delivery.id,
            "messaging.destination.name": delivery.topic,
        },
    ):
        try:
            outcome = await asyncio.wait_for(
                subscription.handler(delivery), HANDLER_TIMEOUT_SECONDS
            )
            outcome = Outcome(outcome) if outcome is not None else Outcome.SUCCESS
        except Exception as exc:
            log.warning(
                "handler_failed",
                subscriber=subscription.name,
                event_id=delivery.id,
                attempt=delivery.attempt,
                error=f"{type(exc).__name__}: {exc}",
            )
            outcome = Outcome.RETRY
    HANDLER_SECONDS.labels(subscription.name).observe(time.perf_counter() - started)
    DELIVERIES.labels(subscription.name, outcome.value).inc()
    return outcome

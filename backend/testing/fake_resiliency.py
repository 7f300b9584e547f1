"""What a Dapr Resiliency document makes daprd do to deliveries from a pub/sub component, for
FakeDapr: the inbound retry count and the inbound circuit breaker (dapr/dapr pkg/resiliency,
`ComponentInboundPolicy`; the breaker is sony/gobreaker as daprd configures it). Timeouts are
not modelled.

The policy is the component's own inbound target, else the first `Default<level>…Policy`
defined (levels PubsubComponentInbound, ComponentInbound, Component, then none); a document
scoped to other app ids does not apply.
"""

from __future__ import annotations

import operator
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_DEFAULT_LEVELS = ("PubsubComponentInbound", "ComponentInbound", "Component", "")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)")
_UNITS = {"h": 3600, "m": 60, "s": 1, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}
_TRIP = re.compile(r"^\s*(\w+)\s*(>=|<=|==|>|<)\s*(\d+)\s*$")
_OPERATORS = {">=": operator.ge, "<=": operator.le, "==": operator.eq, ">": operator.gt}
_OPERATORS["<"] = operator.lt
_COUNTS = ("requests", "totalSuccesses", "totalFailures", "consecutiveSuccesses")
_COUNTS += ("consecutiveFailures",)


def duration(text: str | int | float | None) -> float:
    """A Go duration ("100ms", "1m30s") in seconds."""
    if text is None or text == "":
        return 0.0
    if isinstance(text, int | float):
        return float(text)
    parts = _DURATION.findall(text)
    if not parts or "".join(n + u for n, u in parts) != text.strip():
        raise ValueError(f"not a duration: {text!r}")
    return sum(float(n) * _UNITS[u] for n, u in parts)


def _policy_name(
    resiliency: dict[str, Any] | None, kind: str, key: str, *, pubsub: str, app_id: str
) -> tuple[str | None, dict[str, Any]]:
    """(the policy's name or None, the policies of that kind) for `pubsub`'s inbound side."""
    if not resiliency or (resiliency.get("scopes") and app_id not in resiliency["scopes"]):
        return None, {}
    spec = resiliency.get("spec", {})
    policies = spec.get("policies", {}).get(kind, {})
    target = spec.get("targets", {}).get("components", {}).get(pubsub)
    if target is not None:
        return target.get("inbound", {}).get(key) or None, policies
    template = "Default{}" + ("RetryPolicy" if kind == "retries" else "CircuitBreakerPolicy")
    names = (template.format(level) for level in _DEFAULT_LEVELS)
    return next((n for n in names if n in policies), None), policies


def inbound_retries(resiliency: dict[str, Any] | None, *, pubsub: str, app_id: str) -> int:
    """How many times daprd retries a failed delivery from `pubsub`; 0 when nothing applies."""
    name, retries = _policy_name(resiliency, "retries", "retry", pubsub=pubsub, app_id=app_id)
    if name is None:
        return 0
    count = int(retries[name].get("maxRetries", -1))
    if count < 0:
        raise ValueError(f"retry policy {name!r} retries without end; the fake needs a bound")
    return count


def _trip(expression: str | None) -> Callable[[dict[str, int]], bool]:
    if expression is None:  # gobreaker's default
        return lambda counts: counts["consecutiveFailures"] > 5
    match = _TRIP.match(expression)
    if not match or match.group(1) not in _COUNTS:
        raise ValueError(
            f"the fake reads trip expressions like 'consecutiveFailures >= 5', not {expression!r}"
        )
    name, compare, limit = match.group(1), _OPERATORS[match.group(2)], int(match.group(3))
    return lambda counts: compare(counts[name], limit)


@dataclass
class Breaker:
    """sony/gobreaker's state machine: closed (counts cleared every `interval` if set) → open
    when `trip` holds after a failure → half-open after `timeout`, letting `max_requests`
    through → closed after that many successes, open again on a failure."""

    trip: Callable[[dict[str, int]], bool]
    max_requests: int = 1
    interval: float = 0.0
    timeout: float = 60.0
    clock: Callable[[], float] = time.monotonic
    state: str = "closed"
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(_COUNTS, 0))
    expiry: float = 0.0

    def __post_init__(self) -> None:
        self._new_generation(self.clock())

    def _new_generation(self, now: float) -> None:
        self.counts = dict.fromkeys(_COUNTS, 0)
        if self.state == "closed":
            self.expiry = now + self.interval if self.interval > 0 else 0.0
        elif self.state == "open":
            self.expiry = now + self.timeout
        else:
            self.expiry = 0.0

    def _current(self, now: float) -> None:
        if self.state == "closed" and self.expiry and self.expiry <= now:
            self._new_generation(now)
        elif self.state == "open" and self.expiry <= now:
            self.state = "half-open"
            self._new_generation(now)

    def allow(self) -> bool:
        """Whether a request may go through now (counted as one if so)."""
        now = self.clock()
        self._current(now)
        if self.state == "open":
            return False
        if self.state == "half-open" and self.counts["requests"] >= self.max_requests:
            return False
        self.counts["requests"] += 1
        return True

    def record(self, success: bool) -> None:
        now = self.clock()
        self._current(now)
        c = self.counts
        if success:
            c["totalSuccesses"] += 1
            c["consecutiveSuccesses"] += 1
            c["consecutiveFailures"] = 0
            if self.state == "half-open" and c["consecutiveSuccesses"] >= self.max_requests:
                self.state = "closed"
                self._new_generation(now)
            return
        c["totalFailures"] += 1
        c["consecutiveFailures"] += 1
        c["consecutiveSuccesses"] = 0
        if self.state == "half-open" or (self.state == "closed" and self.trip(c)):
            self.state = "open"
            self._new_generation(now)


def inbound_breaker(
    resiliency: dict[str, Any] | None, *, pubsub: str, app_id: str
) -> Breaker | None:
    """The circuit breaker daprd puts before deliveries from `pubsub`, or None."""
    name, breakers = _policy_name(
        resiliency, "circuitBreakers", "circuitBreaker", pubsub=pubsub, app_id=app_id
    )
    if name is None:
        return None
    spec = breakers[name]
    return Breaker(
        trip=_trip(spec.get("trip")),
        max_requests=int(spec.get("maxRequests") or 1),
        interval=duration(spec.get("interval")),
        timeout=duration(spec.get("timeout")) or 60.0,
    )

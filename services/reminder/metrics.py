"""Prometheus metrics of the reminder service."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

FIRED = Counter(
    "taskflow_reminders_fired_total", "Reminders published, by whether they were late.", ["late"]
)
DROPPED = Counter(
    "taskflow_reminders_dropped_total", "Claimed reminders not fired: their task was finished."
)
PUBLISH_FAILURES = Counter(
    "taskflow_reminders_publish_failures_total", "Publishes that failed (retried after the lease)."
)
LATENESS = Histogram(
    "taskflow_reminders_lateness_seconds",
    "Time from a reminder's fire time to its publication.",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30, 300),
)

"""Prometheus metrics of the event backbone."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

OUTBOX_BACKLOG = Gauge("taskflow_outbox_backlog", "Outbox events not yet published.")
OUTBOX_OLDEST_AGE = Gauge(
    "taskflow_outbox_oldest_unpublished_age_seconds", "Age of the oldest unpublished outbox event."
)
EVENTS_PUBLISHED = Counter(
    "taskflow_events_published_total", "Events the transport accepted, by topic.", ["topic"]
)
PUBLISH_FAILURES = Counter(
    "taskflow_events_publish_failures_total", "Publish attempts the transport refused.", ["topic"]
)
DELIVERIES = Counter(
    "taskflow_event_deliveries_total",
    "Events handed to a subscriber, by subscriber and outcome (SUCCESS, RETRY, DROP).",
    ["subscriber", "outcome"],
)
DEAD_LETTERS = Counter(
    "taskflow_dead_letters_total", "Events dead-lettered, by subscriber.", ["subscriber"]
)
HANDLER_SECONDS = Histogram(
    "taskflow_event_handler_duration_seconds",
    "Time a subscriber's handler took per event.",
    ["subscriber"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
COMMIT_TO_HANDLER = Histogram(
    "taskflow_event_commit_to_handler_seconds",
    "From the event's commit (its time) to the start of its handler.",
    ["subscriber"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5, 30),
)

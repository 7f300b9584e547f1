"""Prometheus metrics of the audit service."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

BUFFERED = Gauge(
    "taskflow_audit_buffered_events", "Events waiting in the write buffer (not yet durable)."
)
"""Its value is computed at scrape time (see writer.py): no cost per event."""
WRITTEN = Counter("taskflow_audit_events_written_total", "Audit entries stored.")
DUPLICATES = Counter(
    "taskflow_audit_duplicates_total", "Events not stored again: their id was already stored."
)
FLUSH_FAILURES = Counter(
    "taskflow_audit_flush_failures_total", "Batches that failed (their events are retried)."
)
BATCH_SIZE = Histogram(
    "taskflow_audit_batch_events",
    "Events per written batch.",
    buckets=(1, 5, 10, 50, 100, 250, 500, 1000, 2500, 5000),
)
FLUSH_SECONDS = Histogram(
    "taskflow_audit_flush_seconds",
    "Time to write one batch (transaction included).",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5),
)
VERIFY_FAILURES = Counter(
    "taskflow_audit_verify_failures_total",
    "Chain verifications (GET /api/v1/audit/verify) that found a broken chain: rows changed, "
    "removed or re-linked behind the service's back.",
)

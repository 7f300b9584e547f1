"""Writes monitoring/grafana/dashboards/taskflow.json (the Grafana dashboard) from the panel
list below, so the dashboard is reviewable as code. tests/deploy checks every metric it uses
is one a service exports.

    .venv/bin/python scripts/render_dashboard.py
"""

from __future__ import annotations

import json
from pathlib import Path

OUT = (
    Path(__file__).resolve().parent.parent
    / "monitoring"
    / "grafana"
    / "dashboards"
    / "taskflow.json"
)

PANELS = [
    (
        "Requests / s by service",
        "sum by (service) (rate(taskflow_http_requests_total[1m]))",
        "reqps",
    ),
    (
        "5xx ratio by service",
        'sum by (service) (rate(taskflow_http_requests_total{status=~"5.."}[5m])) '
        "/ clamp_min(sum by (service) (rate(taskflow_http_requests_total[5m])), 1e-9)",
        "percentunit",
    ),
    (
        "p99 latency by route",
        "histogram_quantile(0.99, sum by (route, le) (rate(taskflow_http_request_duration_seconds_bucket[5m])))",
        "s",
    ),
    ("Outbox backlog", "taskflow_outbox_backlog", "short"),
    ("Oldest unpublished event", "taskflow_outbox_oldest_unpublished_age_seconds", "s"),
    ("Events published / s", "sum by (topic) (rate(taskflow_events_published_total[1m]))", "short"),
    (
        "Publish failures / s",
        "sum by (topic) (rate(taskflow_events_publish_failures_total[5m]))",
        "short",
    ),
    (
        "Deliveries / s by outcome",
        "sum by (subscriber, outcome) (rate(taskflow_event_deliveries_total[1m]))",
        "short",
    ),
    (
        "Commit → handler p99",
        "histogram_quantile(0.99, sum by (subscriber, le) (rate(taskflow_event_commit_to_handler_seconds_bucket[5m])))",
        "s",
    ),
    (
        "Handler p99",
        "histogram_quantile(0.99, sum by (subscriber, le) (rate(taskflow_event_handler_duration_seconds_bucket[5m])))",
        "s",
    ),
    (
        "Dead letters (15 min)",
        "sum by (subscriber) (increase(taskflow_dead_letters_total[15m]))",
        "short",
    ),
    (
        "SSE connections vs limit",
        [
            ("{{instance}} open", "taskflow_sse_connections"),
            ("{{instance}} limit", "taskflow_sse_connections_limit"),
        ],
        "short",
    ),
    (
        "SSE streams refused (full replica) / s",
        "sum by (instance) (rate(taskflow_sse_connections_refused_total[5m]))",
        "short",
    ),
    (
        "Audit events stored / s",
        [
            ("stored", "sum(rate(taskflow_audit_events_written_total[1m]))"),
            ("duplicates", "sum(rate(taskflow_audit_duplicates_total[1m]))"),
        ],
        "short",
    ),
    (
        "Audit flush latency",
        [
            (
                "p50",
                "histogram_quantile(0.5, sum by (le) (rate(taskflow_audit_flush_seconds_bucket[5m])))",
            ),
            (
                "p99",
                "histogram_quantile(0.99, sum by (le) (rate(taskflow_audit_flush_seconds_bucket[5m])))",
            ),
            ("failures / s", "sum(rate(taskflow_audit_flush_failures_total[5m]))"),
        ],
        "s",
    ),
]


def targets(exprs: str | list[tuple[str, str]]) -> list[dict]:
    """One query, or several as (legend, expr) pairs drawn in one panel."""
    pairs = [("", exprs)] if isinstance(exprs, str) else exprs
    source = {"type": "prometheus", "uid": "prometheus"}
    return [
        {"refId": chr(ord("A") + i), "expr": expr, "datasource": source}
        | ({"legendFormat": legend} if legend else {})
        for i, (legend, expr) in enumerate(pairs)
    ]


def panel(index: int, title: str, exprs: str | list[tuple[str, str]], unit: str) -> dict:
    return {
        "id": index + 1,
        "title": title,
        "type": "timeseries",
        "datasource": {"type": "prometheus", "uid": "prometheus"},
        "gridPos": {"h": 8, "w": 12, "x": (index % 2) * 12, "y": (index // 2) * 8},
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": targets(exprs),
    }


def dashboard() -> dict:
    return {
        "uid": "taskflow",
        "title": "TaskFlow",
        "tags": ["taskflow"],
        "timezone": "browser",
        "schemaVersion": 39,
        "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"},
        "panels": [panel(i, *spec) for i, spec in enumerate(PANELS)],
    }


if __name__ == "__main__":
    OUT.write_text(json.dumps(dashboard(), indent=2) + "\n")
    print(f"wrote {OUT}")

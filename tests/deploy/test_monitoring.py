"""Every metric the alerts and the dashboard use is one a TaskFlow service really exports."""

from __future__ import annotations

import json
import re

import yaml
from prometheus_client import REGISTRY

from backend.app import load_services
from backend.launcher import available_services
from tests.deploy.manifests import ROOT

METRIC = re.compile(r"\btaskflow_[a-z0-9_]+")


def exported_names() -> set[str]:
    load_services(available_services())  # importing the services registers their metrics
    names: set[str] = set()
    for family in REGISTRY.collect():
        if family.type == "counter":
            names |= {family.name + "_total", family.name + "_created"}
        elif family.type == "histogram":
            names |= {family.name + suffix for suffix in ("_bucket", "_sum", "_count", "_created")}
        else:
            names.add(family.name)
    return names


def used_in_alerts() -> set[str]:
    rules = yaml.safe_load((ROOT / "monitoring" / "alerts.yml").read_text())
    exprs = [rule["expr"] for group in rules["groups"] for rule in group["rules"]]
    return {name for expr in exprs for name in METRIC.findall(expr)}


def used_in_dashboard() -> set[str]:
    board = json.loads(
        (ROOT / "monitoring" / "grafana" / "dashboards" / "taskflow.json").read_text()
    )
    exprs = [target["expr"] for panel in board["panels"] for target in panel["targets"]]
    return {name for expr in exprs for name in METRIC.findall(expr)}


def test_alerts_use_only_exported_metrics():
    used = used_in_alerts()
    assert used, "the alert rules name no TaskFlow metric"
    assert used <= exported_names(), used - exported_names()


def test_dashboard_uses_only_exported_metrics():
    used = used_in_dashboard()
    assert len(used) >= 8
    assert used <= exported_names(), used - exported_names()


def test_the_alerts_cover_what_operators_must_hear_about():
    rules = yaml.safe_load((ROOT / "monitoring" / "alerts.yml").read_text())
    text = json.dumps(rules)
    for needle in (
        "up{",
        "5..",
        "histogram_quantile(0.99",
        "oldest_unpublished",
        "dead_letters",
        "reminders_lateness",
        "taskflow_sse_connections_limit",
        "taskflow_audit_flush_failures_total",
        "taskflow_audit_verify_failures_total",
        'subscriber=~\\"audit',
    ):
        assert needle in text, needle


def test_the_dashboard_shows_sse_capacity_and_audit_ingest():
    board = json.loads(
        (ROOT / "monitoring" / "grafana" / "dashboards" / "taskflow.json").read_text()
    )
    panels = {panel["title"]: [t["expr"] for t in panel["targets"]] for panel in board["panels"]}
    sse = panels["SSE connections vs limit"]
    assert any("taskflow_sse_connections_limit" in expr for expr in sse)
    assert any(METRIC.findall(expr) == ["taskflow_sse_connections"] for expr in sse)
    assert "taskflow_audit_events_written_total" in " ".join(panels["Audit events stored / s"])
    assert "taskflow_audit_flush_seconds_bucket" in " ".join(panels["Audit flush latency"])
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))

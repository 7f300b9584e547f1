"""The pieces of `taskflow up --dapr` that need no daprd: the public edge's routing, the local
Dapr resources derived from the cluster's, and the install's one-line errors."""

from __future__ import annotations

import subprocess
import sys

import pytest
import yaml

from backend.topology import resources
from backend.topology.edge import service_for
from backend.topology.up import topics


@pytest.mark.parametrize(
    ("path", "service"),
    [
        ("/", "api"),
        ("/assets/index-3f2a.js", "api"),
        ("/api/v1/tasks", "api"),
        ("/api/v1/tasks/9f1c/complete", "api"),
        ("/api/v1/tasks/9f1c/reminders/snooze", "reminder"),
        ("/api/v1/notifications/stream", "notification"),
        ("/api/v1/notifications/ticket", "notification"),
        ("/api/v1/audit", "audit"),
        ("/api/v1/audit/tasks/9f1c", "audit"),
        ("/api/v1/auditor", "api"),
        ("/mcp", "api"),
        ("/docs", "api"),
        ("/events/audit/task-events", None),
        ("/internal/v1/occurrences", None),
        ("/dapr/subscribe", None),
        ("/metrics", None),
    ],
)
def test_the_edge_routes_public_paths_like_the_ingress_and_hides_the_rest(path, service):
    assert service_for(path) == service


def test_every_topic_has_its_dead_letter_topics_with_partitions():
    names = {t.name: t.partitions for t in topics()}
    for topic in ("task-events", "reminders"):
        assert names[f"{topic}-dlq"] == names[topic] > 1
        assert f"{topic}-dlq-unprocessable" in names


def test_local_resources_are_the_clusters_without_credentials_mtls_or_mdns(tmp_path):
    resources_dir, config = resources.write(
        tmp_path, brokers="127.0.0.1:19092", name_resolution_db=tmp_path / "nr.db"
    )
    pubsub = yaml.safe_load((resources_dir / "pubsub.yaml").read_text())
    metadata = {m["name"]: m.get("value") for m in pubsub["spec"]["metadata"]}
    assert metadata["brokers"] == "127.0.0.1:19092" and metadata["authType"] == "none"
    assert not any(name.startswith("sasl") for name in metadata)
    assert "auth" not in pubsub
    configuration = yaml.safe_load(config.read_text())["spec"]
    assert "mtls" not in configuration
    assert configuration["nameResolution"]["component"] == "sqlite"


def test_install_without_go_says_what_to_do_in_one_line(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "backend.cli", "dapr", "install"],
        capture_output=True,
        text=True,
        env={"PATH": "/nonexistent", "TASKFLOW_CACHE_DIR": str(tmp_path), "HOME": str(tmp_path)},
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "taskflow: 'go' was not found: install Go 1.26 (https://go.dev/doc/install) to build daprd"
    ]

"""docker-compose.yaml describes the whole stack; kustomize overlays patch what exists; the
static scan (checkov) finds nothing we have not explained in .checkov.yaml."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import yaml

from tests.deploy.manifests import K8S, ROOT, SERVICES, plain_manifests


def test_compose_names_every_service_with_its_sidecar_and_dependencies():
    compose = yaml.safe_load((ROOT / "docker-compose.yaml").read_text())
    services = compose["services"]
    for infra in ("postgres", "redis", "kafka", "zipkin", "prometheus", "grafana", "migrate"):
        assert infra in services
    for name, port in SERVICES.items():
        app = services[name]
        assert app["command"][:2] == ["serve", name] and str(port) in app["command"]
        assert app["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
        assert "healthcheck" in app and app["read_only"] is True
        sidecar = services[f"{name}-dapr"]
        assert sidecar["network_mode"] == f"service:{name}"
        command = sidecar["command"]
        assert command[command.index("--app-id") + 1] == name
        assert command[command.index("--app-port") + 1] == str(port)
    audit_url = services["audit"]["environment"]["DATABASE_URL"]
    assert audit_url.endswith("?role=taskflow_audit"), "the audit service runs as its role"
    assert "role=" not in services["migrate"]["environment"]["DATABASE_URL"]
    for path in (
        "dapr-components/compose",
        "monitoring/prometheus.yml",
        "k8s/compose-gateway.conf",
    ):
        assert (ROOT / path).exists(), path


def test_kustomize_overlays_patch_objects_that_exist():
    kinds = {(doc["kind"], doc["metadata"]["name"]) for doc in plain_manifests()}
    assert (K8S / "base" / "kustomization.yaml").exists()
    for overlay in ("dev", "prod"):
        kustomization = yaml.safe_load(
            (K8S / "overlays" / overlay / "kustomization.yaml").read_text()
        )
        assert kustomization["resources"] == ["../../base"]
        for patch in kustomization["patches"]:
            target = patch["target"]
            matches = [
                k for k in kinds if k[0] == target["kind"] and target.get("name", k[1]) == k[1]
            ]
            assert matches, f"{overlay}: patch target {target} matches nothing"


def _checkov() -> str:
    for candidate in (ROOT / ".venv-tools" / "bin" / "checkov", shutil.which("checkov")):
        if candidate and Path(candidate).exists():
            return str(candidate)
    raise AssertionError(
        "checkov is not installed: run ./scripts/test (it installs it into .venv-tools)"
    )


def test_static_scan_has_no_unexplained_findings(tmp_path):
    result = subprocess.run(
        [
            _checkov(),
            "--config-file",
            str(ROOT / ".checkov.yaml"),
            "-f",
            str(K8S / "base" / "taskflow.yaml"),
            "-f",
            str(ROOT / "Dockerfile"),
            "-o",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "BC_SKIP_MAPPING": "TRUE", "HOME": str(tmp_path)},
        timeout=120,
    )
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    assert {r["check_type"] for r in reports} == {"kubernetes", "dockerfile"}
    failed = [
        (f["check_id"], f["resource"]) for r in reports for f in r["results"]["failed_checks"]
    ]
    assert failed == [], failed
    assert all(r["summary"]["passed"] > 0 for r in reports)

"""The Dapr settings proven against the real daprd and Kafka (`taskflow up --dapr`, the contract
and topology tests) are the ones every deployment ships: `dapr-components/` is the source, the
chart, compose and the local topology carry the same, at the versions the tests ran."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import yaml

from backend.topology import resources, toolchain
from tests.deploy.manifests import ROOT, of_kind, render

SOURCE = ROOT / "dapr-components"
# Differ by design: where the brokers and credentials come from (secrets in the cluster, a
# plain address on a laptop).
PER_ENVIRONMENT = {"brokers", "authType", "saslUsername", "saslPassword", "saslMechanism"}


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _settings(component: dict) -> dict[str, str]:
    return {
        item["name"]: str(item.get("value"))
        for item in component["spec"]["metadata"]
        if item["name"] not in PER_ENVIRONMENT
    }


def test_every_copy_of_the_resiliency_is_the_proven_one() -> None:
    proven = _load(SOURCE / "resiliency.yaml")
    assert _load(ROOT / "helm/taskflow/files/resiliency.yaml") == proven
    assert _load(SOURCE / "compose/resiliency.yaml") == proven
    assert resources.resiliency() == proven
    # the proof's two findings, kept: retries on delivery, and no inbound circuit breaker
    inbound = proven["spec"]["targets"]["components"]["taskflow-pubsub"]["inbound"]
    assert inbound.get("retry") and "circuitBreaker" not in inbound


def test_the_kafka_component_has_the_same_settings_everywhere() -> None:
    proven = _settings(_load(SOURCE / "pubsub-kafka.yaml"))
    assert proven["version"] == toolchain.KAFKA_VERSION
    chart = of_kind(render(), "Component")
    pubsub = next(c for c in chart if c["spec"]["type"] == "pubsub.kafka")
    assert _settings(pubsub) == proven
    assert _settings(_load(SOURCE / "compose/pubsub.yaml")) == proven
    assert _settings(resources.pubsub_component("127.0.0.1:9092")) == proven


def test_no_sidecar_runs_the_app_health_check_that_stalls_its_kafka_subscriber() -> None:
    """With app health checks on, an app restart (unhealthy, then healthy) left daprd 1.18.1's
    Kafka subscriber consuming nothing (our fault tests; components-contrib#4349)."""
    deployments = of_kind(render(), "Deployment")
    assert deployments
    for deployment in deployments:
        annotations = deployment["spec"]["template"]["metadata"]["annotations"]
        assert annotations["dapr.io/enable-app-health-check"] == "false"
    assert "--enable-app-health-check" not in (ROOT / "docker-compose.yaml").read_text()
    from backend.topology.sidecar import Sidecar

    assert Sidecar.app_health_path is None  # what `taskflow up --dapr` runs


def test_deployments_name_the_versions_the_tests_ran() -> None:
    compose = (ROOT / "docker-compose.yaml").read_text()
    assert f"daprio/daprd:{toolchain.DAPR_VERSION}" in compose
    assert f"apache/kafka:{toolchain.KAFKA_VERSION}" in compose
    deploy = (ROOT / "docs/deploy.md").read_text()
    assert f"dapr/dapr --version {toolchain.DAPR_VERSION}" in deploy


def _replaces(go_mod: str) -> set[str]:
    blocks = re.findall(r"^replace \((.*?)^\)", go_mod, flags=re.S | re.M)
    lines = [line.split("//")[0].strip() for block in blocks for line in block.splitlines()]
    singles = re.findall(r"^replace (\S.*)$", go_mod, flags=re.M)
    return {" ".join(line.split()) for line in lines + singles if line and line != "("}


def test_the_daprd_wrapper_module_builds_the_pinned_release_with_its_replaces() -> None:
    """`go install` refuses dapr because of its replace directives; the wrapper repeats them.
    If dapr's go.mod at the pinned version has others, the build would differ from Dapr's."""
    wrapper = (ROOT / "tools/daprd/go.mod").read_text()
    assert f"github.com/dapr/dapr v{toolchain.DAPR_VERSION}" in wrapper
    info = subprocess.run(
        ["go", "mod", "download", "-json", f"github.com/dapr/dapr@v{toolchain.DAPR_VERSION}"],
        cwd=ROOT / "tools/daprd",
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    dapr_mod = Path(json.loads(info.stdout)["GoMod"]).read_text()
    assert _replaces(wrapper) == _replaces(dapr_mod)

"""The Dapr resources a local sidecar loads, derived from the cluster's own (`dapr-components/`).

One source: the pub/sub component, the Resiliency and the Configuration the cluster applies are
read here and changed only where a laptop differs — brokers on loopback without SASL, no
secret store for component credentials, no mTLS (no Sentry runs), and Dapr's `sqlite` name
resolver instead of mDNS (mDNS needs a multicast-capable interface; a loopback-only machine has
none, and invocation then fails with "couldn't find service"; the sqlite resolver is a file all
sidecars share).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import yaml

from backend.topology.toolchain import SOURCE_ROOT

CLUSTER_RESOURCES = SOURCE_ROOT / "dapr-components"
PUBSUB = "taskflow-pubsub"
CONFIGURATION = "taskflow-config"
_CLUSTER_ONLY_METADATA = {"saslUsername", "saslPassword", "saslMechanism", "caCert"}


def _load(name: str) -> dict[str, Any]:
    return yaml.safe_load((CLUSTER_RESOURCES / name).read_text())


def pubsub_component(brokers: str) -> dict[str, Any]:
    component = copy.deepcopy(_load("pubsub-kafka.yaml"))
    metadata = []
    for item in component["spec"]["metadata"]:
        name = item["name"]
        if name in _CLUSTER_ONLY_METADATA:
            continue
        if name == "brokers":
            item = {"name": "brokers", "value": brokers}
        elif name == "authType":
            item = {"name": "authType", "value": "none"}
        metadata.append(item)
    component["spec"]["metadata"] = metadata
    component.pop("auth", None)
    return component


def resiliency() -> dict[str, Any]:
    return _load("resiliency.yaml")


def configuration(name_resolution_db: Path, *, tracing_endpoint: str | None) -> dict[str, Any]:
    config = copy.deepcopy(_load("configuration.yaml"))
    spec = config["spec"]
    spec.pop("mtls", None)
    tracing = spec.get("tracing", {})
    if tracing_endpoint:  # the apps' OTLP/HTTP URL; daprd takes host:port
        tracing["otel"] = {
            "endpointAddress": tracing_endpoint.split("://", 1)[-1].rstrip("/"),
            "isSecure": False,
            "protocol": "http",
        }
    else:
        tracing.pop("otel", None)
    spec["nameResolution"] = {
        "component": "sqlite",
        "configuration": {"connectionString": str(name_resolution_db)},
    }
    return config


def write(
    directory: Path, *, brokers: str, name_resolution_db: Path, tracing_endpoint: str | None = None
) -> tuple[Path, Path]:
    """Write the resources folder and the Configuration file; (resources dir, config file)."""
    resources = directory / "resources"
    resources.mkdir(parents=True, exist_ok=True)
    (resources / "pubsub.yaml").write_text(yaml.safe_dump(pubsub_component(brokers)))
    (resources / "resiliency.yaml").write_text(yaml.safe_dump(resiliency()))
    config = directory / "configuration.yaml"
    config.write_text(
        yaml.safe_dump(configuration(name_resolution_db, tracing_endpoint=tracing_endpoint))
    )
    return resources, config

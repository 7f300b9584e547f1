"""Loading what the deployment files describe: the chart rendered, the plain manifests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import helm_python as helm
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "taskflow"
K8S = ROOT / "k8s"
SERVICES = {"api": 8000, "recurring": 8001, "reminder": 8002, "notification": 8003, "audit": 8004}
DAPR_KINDS = {"Component", "Configuration", "Resiliency", "Subscription"}


class StrictLoader(yaml.SafeLoader):
    """Refuses a mapping key given twice, as kubectl and Helm do (PyYAML keeps the last)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def load_all(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.load_all(text, Loader=StrictLoader) if doc]


def production_values() -> dict[str, Any]:
    return yaml.safe_load((CHART / "values-production.yaml").read_text())


def render(values: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every object the chart renders for an install of release `taskflow`."""
    chart = helm.Chart.load(str(CHART))
    rendered = chart.render(values, name="taskflow", namespace="taskflow", is_install=True)
    return [
        doc
        for path, text in sorted(rendered.items())
        if path.endswith(".yaml")
        for doc in load_all(text)
    ]


def plain_manifests() -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for path in sorted((K8S / "base").glob("*.yaml")):
        if path.name == "kustomization.yaml":
            continue
        docs.extend(load_all(path.read_text()))
    return docs


def of_kind(docs: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [doc for doc in docs if doc.get("kind") == kind]

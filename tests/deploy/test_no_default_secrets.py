"""No shipped file carries a usable secret: docker compose refuses to start until each is set,
the chart and the plain manifests only reference Secrets, and each secret goes only to the
services that need it (issue 18: a public default app token opened every service)."""

from __future__ import annotations

import re

import yaml

from tests.deploy.manifests import ROOT, of_kind, plain_manifests, render

SECRET_NAMES = re.compile(r"(SECRET|TOKEN|PASSWORD|_KEY)$")
COMPOSE = (ROOT / "docker-compose.yaml").read_text()


def test_compose_has_no_default_for_any_secret():
    for name, modifier in re.findall(r"\$\{([A-Z_]+)(:?[-?])", COMPOSE):
        if SECRET_NAMES.search(name) and name != "ANTHROPIC_API_KEY":  # optional, no default
            assert modifier == ":?", f"{name} has a default in docker-compose.yaml"
    defaults = re.findall(r"\$\{([A-Z_]+):-([^}]+)\}", COMPOSE)
    assert [name for name, _ in defaults] == ["TASKFLOW_IMAGE"] * len(defaults), defaults


def test_compose_gives_each_secret_only_to_its_services():
    services = yaml.safe_load(COMPOSE)["services"]

    def holders(variable: str) -> set[str]:
        return {name for name, s in services.items() if variable in (s.get("environment") or {})}

    assert holders("INTERNAL_SECRET") == {"api", "recurring"}
    assert holders("AUDIT_CHAIN_KEY") == {"audit"}
    assert "GF_SECURITY_ADMIN_PASSWORD" in services["grafana"]["environment"]
    public = {
        name for name, s in services.items() for p in s.get("ports", []) if "127.0.0.1" not in p
    }
    assert public == {"gateway"}, "only the gateway is reachable from other machines"


def _env(deployment: dict) -> dict[str, dict]:
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    return {e["name"]: e for e in container["env"]}


def test_the_chart_and_manifests_reference_each_secret_for_its_services_only():
    for docs in (render(), plain_manifests()):
        assert not of_kind(docs, "Secret")
        for deployment in of_kind(docs, "Deployment"):
            name = deployment["metadata"]["labels"]["app.kubernetes.io/name"]
            env = _env(deployment)
            for variable, entry in env.items():
                if SECRET_NAMES.search(variable):
                    assert "value" not in entry and "secretKeyRef" in entry["valueFrom"], variable
            assert "APP_API_TOKEN" in env, name
            assert ("INTERNAL_SECRET" in env) == (name in ("api", "recurring")), name
            assert ("AUDIT_CHAIN_KEY" in env) == (name == "audit"), name

"""The Helm chart renders, lints, validates, and says what a secure Dapr deployment needs."""

from __future__ import annotations

import subprocess
import sys

import helm_python as helm
import kubernetes_validate
import pytest

from tests.deploy.manifests import (
    CHART,
    DAPR_KINDS,
    ROOT,
    SERVICES,
    of_kind,
    plain_manifests,
    production_values,
    render,
)

KUBERNETES_VERSION = "1.33.0"
VARIANTS = {"default": None, "production": production_values()}


@pytest.fixture(scope="module", params=list(VARIANTS))
def rendered(request):
    return render(VARIANTS[request.param])


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_the_chart_lints_without_errors(variant):
    result = helm.lint(str(CHART), VARIANTS[variant], strict=True, kube_version=KUBERNETES_VERSION)
    assert result["errors"] == [], result
    assert not [m for m in result["messages"] if m["severity"] > 1], result["messages"]


def test_values_schema_rejects_bad_values():
    chart = helm.Chart.load(str(CHART))
    with pytest.raises(helm.HelmValuesError, match="port"):
        chart.validate_schema({"services": {"api": {"port": "eighty"}}})
    with pytest.raises(helm.HelmValuesError):
        chart.validate_schema({"securityContext": {"allowPrivilegeEscalation": True}})
    with pytest.raises(helm.HelmValuesError, match="auditDatabaseUrlKey"):
        chart.validate_schema({"secrets": {"auditDatabaseUrlKey": ""}})
    with pytest.raises(helm.HelmValuesError, match="maxConnections"):
        chart.validate_schema({"services": {"notification": {"maxConnections": 0}}})


def _validate(docs):
    for doc in docs:
        if doc["kind"] in DAPR_KINDS:
            assert doc["apiVersion"].startswith("dapr.io/"), doc["kind"]
            assert doc["metadata"]["name"] and "spec" in doc
            continue
        kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_rendered_objects_are_valid_kubernetes(rendered):
    _validate(rendered)
    kinds = {doc["kind"] for doc in rendered}
    assert {"Deployment", "Service", "ServiceAccount", "HorizontalPodAutoscaler"} <= kinds
    assert {"PodDisruptionBudget", "NetworkPolicy", "Ingress", "Job"} <= kinds


def test_plain_manifests_are_valid_and_match_the_chart():
    _validate(plain_manifests())
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "render_k8s.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr


def test_every_service_has_a_deployment_with_probes_resources_and_a_locked_down_pod(rendered):
    deployments = {
        d["metadata"]["labels"]["app.kubernetes.io/name"]: d
        for d in of_kind(rendered, "Deployment")
    }
    assert set(deployments) == set(SERVICES)
    for name, deployment in deployments.items():
        pod = deployment["spec"]["template"]["spec"]
        assert pod["automountServiceAccountToken"] is False
        assert pod["securityContext"]["runAsNonRoot"] is True
        (container,) = pod["containers"]
        assert container["args"][:2] == ["serve", name]
        assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
        assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
        assert {"cpu", "memory"} <= set(container["resources"]["requests"])
        assert {"cpu", "memory"} <= set(container["resources"]["limits"])
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False
        assert security["readOnlyRootFilesystem"] is True
        assert security["capabilities"]["drop"] == ["ALL"]
        env = {e["name"]: e for e in container["env"]}
        for secret in ("DATABASE_URL", "REDIS_URL", "JWT_SECRET", "APP_API_TOKEN"):
            assert "secretKeyRef" in env[secret]["valueFrom"], (
                f"{name}: {secret} must come from a Secret"
            )
        # only the audit service connects as the login limited to taskflow_audit's grants
        database_key = env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]["key"]
        assert database_key == ("audit-database-url" if name == "audit" else "database-url")
        limit = env.get("NOTIFY_MAX_CONNECTIONS", {}).get("value")
        assert (limit is not None and int(limit) > 0) == (name == "notification")
    for account in of_kind(rendered, "ServiceAccount"):
        assert account["automountServiceAccountToken"] is False


def test_dapr_annotations_name_existing_components_and_the_container_port(rendered):
    configurations = {c["metadata"]["name"] for c in of_kind(rendered, "Configuration")}
    components = {c["metadata"]["name"]: c for c in of_kind(rendered, "Component")}
    for deployment in of_kind(rendered, "Deployment"):
        template = deployment["spec"]["template"]
        annotations = template["metadata"]["annotations"]
        (container,) = template["spec"]["containers"]
        app_id = annotations["dapr.io/app-id"]
        assert annotations["dapr.io/enabled"] == "true"
        assert (
            int(annotations["dapr.io/app-port"])
            == container["ports"][0]["containerPort"]
            == SERVICES[app_id]
        )
        assert annotations["dapr.io/config"] in configurations
        assert annotations["dapr.io/app-token-secret"]
        pubsub = next(e["value"] for e in container["env"] if e["name"] == "PUBSUB_NAME")
        assert pubsub in components and components[pubsub]["spec"]["type"] == "pubsub.kafka"
        for component in components.values():
            assert app_id in component["scopes"], (
                f"{component['metadata']['name']} is not scoped to {app_id}"
            )
    resiliency = of_kind(rendered, "Resiliency")[0]["spec"]["targets"]["components"]
    assert set(resiliency["taskflow-pubsub"]) == {"inbound", "outbound"}


def test_ingress_routes_each_api_prefix_to_its_service(rendered):
    (ingress,) = of_kind(rendered, "Ingress")
    routes = {
        p["path"]: p["backend"]["service"]["name"]
        for p in ingress["spec"]["rules"][0]["http"]["paths"]
    }
    assert routes["/api/v1/notifications"] == "taskflow-notification"
    assert routes["/api/v1/audit"] == "taskflow-audit"
    assert routes["/mcp(/|$)"] == routes["/api/v1/chat"] == "taskflow-api"
    assert routes["/$"] == "taskflow-api"
    services = {s["metadata"]["name"] for s in of_kind(rendered, "Service")}
    assert set(routes.values()) <= services


def test_migrations_run_as_a_helm_hook_before_install_and_upgrade(rendered):
    (job,) = of_kind(rendered, "Job")
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "pre-install,pre-upgrade"
    (container,) = job["spec"]["template"]["spec"]["containers"]
    assert container["args"] == ["db", "upgrade"]
    (database_url,) = container["env"]
    # migrations run as the owner (they create the role and its grants)
    assert database_url["valueFrom"]["secretKeyRef"]["key"] == "database-url"


def test_no_secret_value_is_inlined(rendered):
    assert not of_kind(rendered, "Secret")
    for deployment in of_kind(rendered, "Deployment"):
        for env in deployment["spec"]["template"]["spec"]["containers"][0]["env"]:
            if any(word in env["name"] for word in ("SECRET", "TOKEN", "KEY", "URL")):
                assert "value" not in env, env["name"]

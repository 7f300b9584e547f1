"""How FakeDapr reads a Resiliency document (the parts the contract test cannot reach cheaply:
daprd's default-policy names, scopes, durations, the breaker's counting interval)."""

from __future__ import annotations

import pytest

from backend.testing.fake_resiliency import (
    Breaker,
    duration,
    inbound_breaker,
    inbound_retries,
)
from backend.testing.real_dapr import fast_resiliency
from backend.topology import resources


def _with_retries(**retries: dict) -> dict:
    return {"spec": {"policies": {"retries": retries}}}


def test_the_cluster_resiliency_gives_the_retries_it_names():
    cluster = resources.resiliency()
    policy = cluster["spec"]["targets"]["components"]["taskflow-pubsub"]["inbound"]["retry"]
    expected = cluster["spec"]["policies"]["retries"][policy]["maxRetries"]
    assert inbound_retries(cluster, pubsub="taskflow-pubsub", app_id="api") == expected
    assert inbound_retries(cluster, pubsub="taskflow-pubsub", app_id="not-in-scope") == 0


def test_no_resiliency_or_another_component_means_no_retries():
    assert inbound_retries(None, pubsub="taskflow-pubsub", app_id="api") == 0
    assert inbound_retries(fast_resiliency(["api"]), pubsub="other", app_id="api") == 0


def test_default_policies_apply_most_specific_first_and_only_without_a_target():
    document = _with_retries(
        DefaultRetryPolicy={"maxRetries": 1},
        DefaultComponentInboundRetryPolicy={"maxRetries": 2},
        DefaultPubsubComponentInboundRetryPolicy={"maxRetries": 3},
    )
    assert inbound_retries(document, pubsub="p", app_id="x") == 3
    del document["spec"]["policies"]["retries"]["DefaultPubsubComponentInboundRetryPolicy"]
    assert inbound_retries(document, pubsub="p", app_id="x") == 2
    document["spec"]["targets"] = {"components": {"p": {"inbound": {}}}}
    assert inbound_retries(document, pubsub="p", app_id="x") == 0


def test_unbounded_retries_are_refused():
    with pytest.raises(ValueError, match="without end"):
        inbound_retries(_with_retries(DefaultRetryPolicy={}), pubsub="p", app_id="x")


@pytest.mark.parametrize(
    ("text", "seconds"), [("100ms", 0.1), ("2s", 2), ("1m30s", 90), ("1h", 3600), (None, 0)]
)
def test_durations(text, seconds):
    assert duration(text) == pytest.approx(seconds)


def test_a_bad_duration_or_trip_expression_is_refused():
    with pytest.raises(ValueError):
        duration("soon")
    document = {
        "spec": {
            "policies": {"circuitBreakers": {"b": {"trip": "failures() > 1"}}},
            "targets": {"components": {"p": {"inbound": {"circuitBreaker": "b"}}}},
        }
    }
    with pytest.raises(ValueError, match="trip expressions"):
        inbound_breaker(document, pubsub="p", app_id="x")


def test_the_breaker_forgets_failures_after_its_interval_while_closed():
    now = [0.0]
    breaker = Breaker(
        trip=lambda c: c["totalFailures"] >= 2, interval=10, timeout=5, clock=lambda: now[0]
    )
    assert breaker.allow()
    breaker.record(False)
    now[0] = 11  # a new counting interval: the first failure is forgotten
    assert breaker.allow()
    breaker.record(False)
    assert breaker.state == "closed"
    assert breaker.allow()
    breaker.record(False)
    assert breaker.state == "open" and not breaker.allow()
    now[0] = 16.5  # open for `timeout`, then half-open: one request, whose success closes it
    assert breaker.allow() and not breaker.allow()
    breaker.record(True)
    assert breaker.state == "closed" and breaker.allow()

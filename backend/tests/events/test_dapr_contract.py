"""The fake sidecar is no kinder than the real one: every scenario here runs against FakeDapr
and against daprd 1.18.1 on Kafka 4.1.1 (the `dapr` marker), with the same expectations.

Sidecars (backend/testing/dapr_contract.py): a — API and app tokens, a test Resiliency with
3 inbound retries at 100 ms; b — no tokens, no Resiliency; c — invokes a's app by app id;
d — an inbound circuit breaker (trips after 2 consecutive failures, open for 2 s).
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator

import orjson
import pytest

from backend.testing.dapr_contract import (
    A_ID,
    APP_TOKEN,
    BREAKER_TIMEOUT,
    CLOUDEVENTS_JSON,
    PUBSUB,
    RETRIES,
    Side,
    event,
    fake_side,
    real_side,
)

TRACEPARENT = re.compile(r"^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$")


@pytest.fixture(
    scope="module",
    params=["fake", pytest.param("real", marks=[pytest.mark.dapr, pytest.mark.slow])],
)
def side(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Side]:
    if request.param == "fake":
        with fake_side() as fake:
            yield fake
    else:
        installed = request.getfixturevalue("dapr_toolchain")
        broker = request.getfixturevalue("kafka_broker")
        with real_side(installed, broker, tmp_path_factory.mktemp("dapr")) as real:
            yield real


def answer(code: int, json: object = None, raw: str | None = None) -> dict:
    return {
        "answer": {"code": code, "raw": raw or ""} if json is None else {"code": code, "json": json}
    }


# --- publish answers ------------------------------------------------------------------------


def test_a_structured_cloudevent_is_accepted(side):
    assert side.a.publish(orjson.dumps(event())).status_code == 204


def test_an_unknown_pubsub_is_not_found(side):
    assert side.a.publish(orjson.dumps(event()), pubsub="no-such-pubsub").status_code == 404


@pytest.mark.parametrize("body", [b"{not json", b"[1, 2]", b'"a string"'])
def test_a_malformed_structured_event_is_a_server_error(side, body):
    refused = side.a.publish(body)
    assert refused.status_code == 500
    assert refused.json()["errorCode"] == "ERR_PUBSUB_CLOUD_EVENTS_SER"


@pytest.mark.parametrize("token", [None, "wrong-token"])
def test_publishing_without_the_api_token_is_unauthorized(side, token):
    assert side.a.publish(orjson.dumps(event()), token=token).status_code == 401


def test_a_plain_text_body_is_wrapped_in_a_new_envelope(side):
    text = f"plain {uuid.uuid4()}"
    assert side.a.publish(text.encode(), content_type="text/plain").status_code == 204
    side.settle(side.a)
    (wrapped,) = [
        r.event for r in side.a.app.received if r.kind == "delivery" and r.event.get("data") == text
    ]
    assert wrapped["type"] == "com.dapr.event.sent" and wrapped["source"] == A_ID
    assert wrapped["datacontenttype"] == "text/plain" and wrapped["specversion"] == "1.0"
    assert wrapped["topic"] == side.a.app.topic and uuid.UUID(wrapped["id"])


# --- the envelope on delivery ---------------------------------------------------------------


def _delivered(side: Side, sent: dict) -> dict:
    outcome = side.deliver(side.a, sent)
    (received,) = outcome.attempts
    return received.event


def test_the_envelope_keeps_our_fields_and_adds_topic_and_pubsubname(side):
    trace = f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"
    sent = event(data={"task": {"title": "kept"}}, traceid=trace, traceparent=trace, extra="ours")
    delivered = _delivered(side, sent)
    assert {k: delivered[k] for k in sent} == sent
    assert delivered["topic"] == side.a.app.topic and delivered["pubsubname"] == PUBSUB


def test_an_event_with_only_traceparent_gets_a_new_trace(side):
    ours = f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"
    delivered = _delivered(side, event(traceparent=ours))
    assert delivered["traceparent"] == delivered["traceid"]
    assert TRACEPARENT.match(delivered["traceparent"])
    assert delivered["traceparent"].split("-")[1] != ours.split("-")[1]


def test_without_traceid_the_publish_calls_traceparent_header_sets_the_trace(side):
    header = f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"
    sent = event(traceparent=f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01")
    assert side.a.publish(orjson.dumps(sent), headers={"traceparent": header}).status_code == 204
    side.settle(side.a)
    (received,) = side.a.app.of("delivery", sent["id"])
    delivered = received.event
    assert delivered["traceid"] == delivered["traceparent"] != header
    assert delivered["traceparent"].split("-")[1] == header.split("-")[1]  # same trace, new span
    # The delivery request itself carries the trace too.
    assert received.headers["traceparent"].split("-")[1] == header.split("-")[1]


def test_an_event_with_traceid_keeps_its_trace(side):
    ours = f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"
    sent = event(traceid=ours, traceparent=ours)
    (received,) = side.deliver(side.a, sent).attempts
    assert received.event["traceid"] == ours and received.event["traceparent"] == ours
    assert received.headers["traceparent"].split("-")[1] == ours.split("-")[1]


def test_a_bulk_publish_delivers_each_event_once_in_order_with_its_envelope(side):
    """What the relay uses: one request, many events of one task, each kept as sent."""
    trace = f"00-{uuid.uuid4().hex}-{uuid.uuid4().hex[:16]}-01"
    sent = [event(data={"n": n}, traceid=trace, traceparent=trace) for n in range(5)]
    answer = side.a.publish_bulk(sent, key=f"task-{uuid.uuid4().hex[:8]}")
    assert answer.status_code == 204, answer.text
    side.settle(side.a)
    delivered = []
    for one in sent:
        (received,) = side.a.app.of("delivery", one["id"])
        assert {k: received.event[k] for k in one} == one
        delivered.append(received)
    # one partition key: delivered in the order they were published
    order = [r.event["id"] for r in side.a.app.received if r.kind == "delivery"]
    assert [o for o in order if o in {e["id"] for e in sent}] == [e["id"] for e in sent]


def test_a_bulk_publish_without_the_api_token_is_unauthorized(side):
    saved, side.a.token = side.a.token, None
    try:
        assert side.a.publish_bulk([event()], key="k").status_code == 401
    finally:
        side.a.token = saved


def test_missing_cloudevent_attributes_get_daprs_defaults(side):
    sent = {"id": str(uuid.uuid4()), "data": {"bare": True}}
    delivered = _delivered(side, sent)
    assert delivered["type"] == "com.dapr.event.sent" and delivered["source"] == "Dapr"
    assert delivered["specversion"] == "1.0" and delivered["time"]
    assert delivered["data"] == {"bare": True}


# --- delivery statuses, retries and dead letters --------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        answer(200, {"status": "SUCCESS"}),
        answer(200, {"status": ""}),
        answer(200, raw=""),
        answer(204, raw=""),
        answer(200, raw="OK, not JSON"),
    ],
    ids=["SUCCESS", "empty-status", "empty-200", "204", "not-json-200"],
)
def test_a_success_is_delivered_once(side, reply):
    outcome = side.deliver(side.a, event(data=reply))
    assert len(outcome.attempts) == 1 and outcome.dead == []


@pytest.mark.parametrize(
    "reply",
    [answer(200, {"status": "RETRY"}), answer(200, {"status": "LATER"}), answer(500, raw="boom")],
    ids=["RETRY", "unknown-status", "500"],
)
def test_a_failure_is_retried_as_the_resiliency_says_then_dead_lettered(side, reply):
    sent = event(data=reply)
    outcome = side.deliver(side.a, sent)
    assert len(outcome.attempts) == 1 + RETRIES
    (dead,) = outcome.dead
    # The dead letter is the envelope as published: its topic is still the original one.
    assert dead.event["id"] == sent["id"] and dead.event["topic"] == side.a.app.topic


@pytest.mark.parametrize(
    "reply", [answer(200, {"status": "RETRY"}), answer(500, raw="boom")], ids=["RETRY", "500"]
)
def test_without_a_resiliency_a_failure_is_dead_lettered_at_once(side, reply):
    outcome = side.deliver(side.b, event(data=reply))
    assert len(outcome.attempts) == 1 and len(outcome.dead) == 1


@pytest.mark.parametrize(
    "reply", [answer(200, {"status": "DROP"}), answer(404, raw="gone")], ids=["DROP", "404"]
)
def test_drop_and_not_found_go_to_the_dead_letter_topic_at_once(side, reply):
    outcome = side.deliver(side.a, event(data=reply))
    assert len(outcome.attempts) == 1 and len(outcome.dead) == 1


def test_an_open_inbound_circuit_breaker_dead_letters_healthy_events(side):
    """Why TaskFlow's Resiliency has no inbound breaker: while open, a good event never
    reaches the app and goes to the dead-letter topic."""
    failing = [event(data=answer(500, raw="database down")) for _ in range(2)]
    healthy = event()
    for sent in [*failing, healthy]:
        assert side.d.publish(orjson.dumps(sent)).status_code == 204
    side.settle(side.d)
    assert [len(side.d.app.of("delivery", e["id"])) for e in failing] == [1, 1]
    assert side.d.app.of("delivery", healthy["id"]) == []
    dead = side.d.dead_letter_ids()
    assert [dead.count(e["id"]) for e in [*failing, healthy]] == [1, 1, 1]
    time.sleep(BREAKER_TIMEOUT + 0.5)  # open → half-open: one delivery may try again
    later = event()
    assert side.d.publish(orjson.dumps(later)).status_code == 204
    side.settle(side.d)
    assert len(side.d.app.of("delivery", later["id"])) == 1
    assert later["id"] not in side.d.dead_letter_ids()


# --- the app token --------------------------------------------------------------------------


def test_every_delivery_carries_the_app_token_when_the_sidecar_has_one(side):
    outcome = side.deliver(side.a, event(data=answer(200, {"status": "RETRY"})))
    deliveries = outcome.attempts + outcome.dead
    assert len(deliveries) == 2 + RETRIES
    assert {r.headers.get("dapr-api-token") for r in deliveries} == {APP_TOKEN}
    assert all(r.headers["content-type"].startswith(CLOUDEVENTS_JSON) for r in deliveries)
    plain = side.deliver(side.b, event())
    assert [r.headers.get("dapr-api-token") for r in plain.attempts] == [None]


# --- service invocation ---------------------------------------------------------------------


@pytest.mark.parametrize("status", [201, 409])
def test_invoking_a_method_reaches_the_app_with_its_token_and_returns_its_answer(side, status):
    body = orjson.dumps({"n": str(uuid.uuid4())})
    answered = side.invoke(
        A_ID,
        "invoke/echo",
        params={"status": str(status), "x": "1"},
        content=body,
        headers={"content-type": "application/json"},
    )
    assert answered.status_code == status
    echo = answered.json()
    assert echo["method"] == "POST" and echo["body"] == body.decode()
    assert echo["path"].startswith("/invoke/echo?") and "x=1" in echo["path"]
    assert echo["token"] == APP_TOKEN


def test_invoking_without_the_api_token_is_unauthorized(side):
    before = len(side.a.app.received)
    assert side.invoke(A_ID, "invoke/echo", token=None).status_code == 401
    assert side.invoke(A_ID, "invoke/echo", token="wrong-token").status_code == 401
    assert len(side.a.app.received) == before


def test_invoking_an_unknown_app_fails(side):
    answered = side.invoke("no-such-app", "invoke/echo")
    assert answered.status_code == 500
    assert answered.json()["errorCode"] == "ERR_DIRECT_INVOKE"

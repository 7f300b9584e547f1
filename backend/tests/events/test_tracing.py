"""One trace from the HTTP request through the outbox and relay to the subscriber."""

from __future__ import annotations

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from backend.testing.fixtures import signup
from backend.tests.events.conftest import eventually


@pytest.fixture(scope="module")
def spans() -> InMemorySpanExporter:
    exporter = InMemorySpanExporter()
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


async def test_request_relay_and_handler_share_one_trace(spans, local_client):
    account = await signup(local_client)
    spans.clear()
    response = await local_client.post(
        "/api/v1/tasks", json={"title": "traced"}, headers=account.headers
    )
    task_id = response.json()["id"]

    async def finished():
        names = {s.name for s in spans.get_finished_spans()}
        return "probe.task-events handle com.taskflow.task.created" in names

    assert await eventually(finished)
    finished_spans = spans.get_finished_spans()
    request_spans = [s for s in finished_spans if s.name == "POST /api/v1/tasks"]
    trace_id = request_spans[0].context.trace_id
    request_ids = {s.context.span_id for s in request_spans if s.context.trace_id == trace_id}
    relay = [
        s
        for s in finished_spans
        if s.name == "publish task-events" and s.context.trace_id == trace_id
    ]
    handler = [
        s
        for s in finished_spans
        if s.name == "probe.task-events handle com.taskflow.task.created"
        and s.context.trace_id == trace_id
    ]
    assert relay and relay[0].parent.span_id in request_ids
    assert handler and handler[0].parent.span_id in request_ids
    assert handler[0].attributes["messaging.destination.name"] == "task-events"
    assert relay[0].start_time <= handler[0].start_time
    assert task_id

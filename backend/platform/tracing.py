"""OpenTelemetry spans across request → outbox → relay → subscriber, joined by `traceparent`.

The CloudEvent carries the W3C `traceparent` of the request that caused it (see
`make_cloudevent`); the relay and each subscriber start their spans as children of it, so one
trace shows a change from the HTTP request to every service that reacted to it. Spans are
exported over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` is set; otherwise the tracer is a
no-op and only the `traceparent` propagates (it still joins the logs and Dapr's own traces).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.trace import Span, SpanKind
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

_propagator = TraceContextTextMapPropagator()
tracer = trace.get_tracer("taskflow")


def configure_tracing(*, service_name: str, endpoint: str | None) -> None:
    """Export spans to an OTLP/HTTP collector at `endpoint` (no-op when it is None)."""
    if not endpoint or isinstance(trace.get_tracer_provider(), _sdk_provider_type()):
        return
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor

    provider = TracerProvider(resource=Resource.create({"service.name": service_name}))
    provider.add_span_processor(
        BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint.rstrip("/") + "/v1/traces"))
    )
    trace.set_tracer_provider(provider)


def _sdk_provider_type() -> type:
    from opentelemetry.sdk.trace import TracerProvider

    return TracerProvider


def parent_context(traceparent: str | None) -> Context | None:
    if not traceparent:
        return None
    return _propagator.extract({"traceparent": traceparent})


def current_traceparent() -> str | None:
    """The W3C traceparent of the current span, if a span is recording."""
    carrier: dict[str, str] = {}
    _propagator.inject(carrier)
    return carrier.get("traceparent")


@contextmanager
def span(
    name: str,
    *,
    traceparent: str | None = None,
    kind: SpanKind = SpanKind.INTERNAL,
    attributes: dict[str, Any] | None = None,
) -> Iterator[Span]:
    """A span that is a child of `traceparent` when given, else of the current span."""
    with tracer.start_as_current_span(
        name, context=parent_context(traceparent), kind=kind, attributes=attributes
    ) as current:
        yield current

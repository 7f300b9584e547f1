"""Prometheus metrics of the notification service. The gauges are computed at scrape time
from the process's hubs: nothing is counted per stream or per frame."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

from services.notification.hub import live_hubs

SSE_CONNECTIONS = Gauge(
    "taskflow_sse_connections", "Open notification streams in this replica (opening included)."
)
SSE_CONNECTIONS.set_function(lambda: sum(hub.admitted for hub in live_hubs()))
SSE_CONNECTIONS_LIMIT = Gauge(
    "taskflow_sse_connections_limit",
    "Streams this replica accepts at most (NOTIFY_MAX_CONNECTIONS); more get 503.",
)
SSE_CONNECTIONS_LIMIT.set_function(lambda: sum(hub.max_streams for hub in live_hubs()))
SSE_REFUSED = Counter(
    "taskflow_sse_connections_refused_total",
    "New streams answered 503 because this replica held NOTIFY_MAX_CONNECTIONS already.",
)

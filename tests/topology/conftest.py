"""One `taskflow up --dapr` for the whole session (it takes ~30-60 s to start): the real
production topology — Kafka, five services, five daprd sidecars — driven from outside."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.topology import toolchain
from tests.topology.support import Running, SpanSink, start, stop


@pytest.fixture(scope="session")
def spans() -> Iterator[SpanSink]:
    sink = SpanSink()
    sink.start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def topology(tmp_path_factory: pytest.TempPathFactory, spans: SpanSink) -> Iterator[Running]:
    toolchain.install()  # cached after the first run on a machine; builds it otherwise
    running = start(tmp_path_factory.mktemp("dapr-topology"), otlp=spans.endpoint)
    yield running
    children = running.children()
    code = stop(running)
    leftovers = [p.pid for p in children if p.is_running() and p.status() != "zombie"]
    assert code == 0, "".join(running.output[-20:])
    assert not leftovers, f"processes left behind after Ctrl-C: {leftovers}"

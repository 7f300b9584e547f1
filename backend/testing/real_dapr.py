"""Real daprd sidecars on a real Kafka, for tests marked `dapr` (loaded by the root conftest.py).

The binaries are the ones `taskflow dapr install` caches; if they are missing the first test
that needs them installs them (a cold daprd build takes minutes) rather than skipping. One Kafka
broker serves the whole test session, in a temporary directory of its own, so every run starts
with no topics and no consumer groups; tests still name their topics per run
(`unique_name`), since the broker is shared by all the session's tests.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from backend.topology import resources, toolchain
from backend.topology.errors import TopologyError
from backend.topology.kafka import KafkaBroker, Topic
from backend.topology.sidecar import Sidecar

PUBSUB = resources.PUBSUB


def fast_resiliency(
    app_ids: Iterable[str], *, retries: int = 3, interval: str = "100ms", pubsub: str = PUBSUB
) -> dict[str, Any]:
    """A test-only Resiliency: a failed delivery from `pubsub` is retried `retries` times at a
    constant `interval`, then dead-lettered (the cluster's policy takes ~22 s to give up)."""
    return {
        "apiVersion": "dapr.io/v1alpha1",
        "kind": "Resiliency",
        "metadata": {"name": "test-resiliency"},
        "scopes": list(app_ids),
        "spec": {
            "policies": {
                "retries": {
                    "deliverRetry": {
                        "policy": "constant",
                        "duration": interval,
                        "maxRetries": retries,
                    }
                }
            },
            "targets": {"components": {pubsub: {"inbound": {"retry": "deliverRetry"}}}},
        },
    }


def breaker_resiliency(
    app_ids: Iterable[str], *, trip: str, timeout: str, pubsub: str = PUBSUB
) -> dict[str, Any]:
    """A test-only Resiliency with an inbound circuit breaker on `pubsub` and no retries."""
    return {
        "apiVersion": "dapr.io/v1alpha1",
        "kind": "Resiliency",
        "metadata": {"name": "test-breaker"},
        "scopes": list(app_ids),
        "spec": {
            "policies": {
                "circuitBreakers": {
                    "deliverBreaker": {"maxRequests": 1, "timeout": timeout, "trip": trip}
                }
            },
            "targets": {"components": {pubsub: {"inbound": {"circuitBreaker": "deliverBreaker"}}}},
        },
    }


async def read_topic(bootstrap: str, topic: str) -> list[bytes]:
    """Every message on `topic` (a one-partition test topic) up to its end, without a group."""
    from aiokafka import AIOKafkaConsumer, TopicPartition

    partition = TopicPartition(topic, 0)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        consumer.assign([partition])
        await consumer.seek_to_beginning(partition)
        end = (await consumer.end_offsets([partition]))[partition]
        values: list[bytes] = []
        while await consumer.position(partition) < end:
            batches = await consumer.getmany(partition, timeout_ms=1000)
            values += [record.value for records in batches.values() for record in records]
        return values
    finally:
        await consumer.stop()


def unique_name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def dapr_toolchain() -> toolchain.Installed:
    """The cached daprd and Kafka, installed first if this machine has not got them yet."""
    try:
        return toolchain.installed()
    except TopologyError:
        return toolchain.install()


@pytest.fixture(scope="session")
def kafka_broker(
    dapr_toolchain: toolchain.Installed, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[KafkaBroker]:
    broker = KafkaBroker(dapr_toolchain, tmp_path_factory.mktemp("kafka"))
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


def start_sidecar(
    installed: toolchain.Installed,
    broker: KafkaBroker,
    directory: Path,
    *,
    app_id: str,
    app_port: int,
    name_resolution_db: Path,
    resiliency: dict[str, Any] | None = None,
    topics: Iterable[Topic] = (),
    app_token: str | None = None,
    api_token: str | None = None,
) -> Sidecar:
    """Create `topics`, write the sidecar's resources (the local ones `taskflow up --dapr`
    uses, with `resiliency` instead of the cluster's, or none), start daprd and wait for it."""
    broker.create_topics(topics)
    resources_dir, config = resources.write(
        directory, brokers=broker.bootstrap, name_resolution_db=name_resolution_db
    )
    (resources_dir / "resiliency.yaml").unlink()
    if resiliency is not None:
        (resources_dir / "resiliency.yaml").write_text(yaml.safe_dump(resiliency))
    sidecar = Sidecar(
        daprd=installed.daprd,
        app_id=app_id,
        app_port=app_port,
        resources=resources_dir,
        config=config,
        log=directory / "daprd.log",
        app_token=app_token,
        api_token=api_token,
    )
    sidecar.start()
    try:
        sidecar.wait_ready(outbound=True)
    except BaseException:
        sidecar.stop()
        raise
    return sidecar

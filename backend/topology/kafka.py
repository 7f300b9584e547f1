"""Apache Kafka in KRaft mode (broker and controller in one JVM), on loopback only.

The storage is formatted with Kafka's own storage tool the first time; topics are created with
enough partitions (and their dead-letter topics with them) before any sidecar starts, because
Dapr delivers one message at a time per partition and a dead-letter publish to a topic that does
not exist is retried forever.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from backend.platform.embedded.process import spawn
from backend.platform.embedded.process import stop as stop_process
from backend.topology.errors import TopologyError
from backend.topology.ports import free_port
from backend.topology.toolchain import Installed

# A 2-core laptop: a small heap and the serial collector keep the JVM at ~300 MB.
JVM_OPTIONS = ["-Xms128m", "-Xmx512m", "-XX:+UseSerialGC", "-Djava.awt.headless=true"]
LOG4J2 = """\
rootLogger.level = WARN
rootLogger.appenderRef.out.ref = OUT
appender.out.type = Console
appender.out.name = OUT
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
logger.started.name = kafka.server.KafkaRaftServer
logger.started.level = INFO
"""


@dataclass(frozen=True)
class Topic:
    name: str
    partitions: int


@dataclass
class KafkaBroker:
    """One broker whose data lives in `home` (reused across runs: topics and offsets survive)."""

    toolchain: Installed
    home: Path
    port: int = 0
    controller_port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.home / "kafka.log"

    def _java(self, main: str, *args: str) -> list[str]:
        return [
            "java",
            *JVM_OPTIONS,
            f"-Dlog4j2.configurationFile={self.home / 'log4j2.properties'}",
            "-cp",
            self.toolchain.kafka_classpath,
            main,
            *args,
        ]

    def _configure(self) -> Path:
        self.home.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        self.controller_port = self.controller_port or free_port()
        (self.home / "log4j2.properties").write_text(LOG4J2)
        properties = self.home / "server.properties"
        properties.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
                    f"listeners=PLAINTEXT://127.0.0.1:{self.port},"
                    f"CONTROLLER://127.0.0.1:{self.controller_port}",
                    f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                    "inter.broker.listener.name=PLAINTEXT",
                    f"log.dirs={self.home / 'data'}",
                    "num.partitions=4",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=8",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    # Every topic is created on purpose, with its partitions, before use.
                    "auto.create.topics.enable=false",
                    "log.retention.hours=168",
                    "",
                ]
            )
        )
        if not (self.home / "data" / "meta.properties").exists():
            formatted = subprocess.run(
                self._java(
                    "kafka.tools.StorageTool",
                    "format",
                    "-t",
                    uuid.uuid4().hex[:22],
                    "-c",
                    str(properties),
                ),
                capture_output=True,
                text=True,
                check=False,
            )
            if formatted.returncode != 0:
                raise TopologyError(
                    f"formatting Kafka's storage in {self.home} failed: "
                    + (formatted.stderr or formatted.stdout).strip().splitlines()[-1][:200]
                )
        return properties

    def command(self) -> list[str]:
        return self._java("kafka.Kafka", str(self.home / "server.properties"))

    def start(self, *, timeout: float = 90.0) -> None:
        self._configure()
        self.process = spawn(self.command(), log=self.log, on_owner_death=signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise TopologyError(f"Kafka exited at start-up; see {self.log}")
            if asyncio.run(self._reachable()):
                return
            time.sleep(0.5)
        self.stop()
        raise TopologyError(f"Kafka did not answer within {timeout:.0f} s; see {self.log}")

    async def _reachable(self) -> bool:
        from aiokafka.admin import AIOKafkaAdminClient

        try:  # not listening yet: no need for a client (which would log every refusal)
            _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            writer.close()
        except OSError:
            return False

        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap, request_timeout_ms=3000)
        try:
            await admin.start()
            await admin.list_topics()
            return True
        except Exception:
            return False
        finally:
            with contextlib.suppress(Exception):
                await admin.close()

    def stop(self, *, timeout: float = 30.0) -> None:
        stop_process(self.process, sig=signal.SIGTERM, timeout=timeout)

    def create_topics(self, topics: Iterable[Topic]) -> None:
        asyncio.run(create_topics(self.bootstrap, topics))


async def create_topics(bootstrap: str, topics: Iterable[Topic]) -> None:
    """Create the topics that do not exist yet (existing ones are left as they are)."""
    from aiokafka.admin import AIOKafkaAdminClient, NewTopic

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name=t.name, num_partitions=t.partitions, replication_factor=1)
            for t in topics
            if t.name not in existing
        ]
        if missing:
            await admin.create_topics(missing)
    finally:
        await admin.close()

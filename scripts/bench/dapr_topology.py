"""The real Dapr path for the benchmarks: a Kafka broker (KRaft, loopback), the api's daprd as a
publisher, and a subscriber service (`dapr_subscriber.py`) behind its own daprd — started with
TaskFlow's own runners (backend/topology/) and the resources `taskflow up --dapr` loads.

Every process is started from the main thread (they stop with it) and stopped in order on exit.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from backend.platform.embedded.process import spawn
from backend.topology import resources, toolchain
from backend.topology.errors import TopologyError
from backend.topology.kafka import KafkaBroker, Topic
from backend.topology.ports import free_port
from backend.topology.sidecar import Sidecar

HERE = Path(__file__).resolve().parent
# A sidecar with another app id does not load the pub/sub component (it is scoped to these).
PUBLISHER_APP_ID = "api"
SUBSCRIBER_APP_ID = "audit"


@dataclass
class PublisherSidecar(Sidecar):
    """The api's sidecar as the relay uses it: publishing only. Without an app port daprd waits
    for no app and subscribes to nothing (the api's own subscriptions are not measured here)."""

    def command(self) -> list[str]:
        command = super().command()
        for flag in ("--app-port", "--app-protocol", "--app-channel-address"):
            at = command.index(flag)
            del command[at : at + 2]
        return command


def _stop(process: subprocess.Popen[bytes] | None, timeout: float = 20.0) -> None:
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class DaprBench:
    """Kafka and a publishing sidecar (the api's by default) for the whole run; subscriber
    services come and go per topic."""

    def __init__(self, workdir: Path | None = None, *, publisher_app_id: str = PUBLISHER_APP_ID):
        self.publisher_app_id = publisher_app_id
        self._tmp = None if workdir else tempfile.TemporaryDirectory(prefix="taskflow-bench-")
        self.workdir = workdir or Path(self._tmp.name)
        self.app_token = secrets.token_urlsafe(24)
        self.api_token = secrets.token_urlsafe(24)
        self.tools = toolchain.installed()
        self.broker = KafkaBroker(self.tools, self.workdir / "kafka")
        self.publisher: PublisherSidecar | None = None

    def __enter__(self) -> DaprBench:
        try:
            self.broker.start()
            self.resources, self.config = resources.write(
                self.workdir, brokers=self.broker.bootstrap, name_resolution_db=self.names_db
            )
            self.publisher = PublisherSidecar(
                daprd=self.tools.daprd,
                app_id=self.publisher_app_id,
                app_port=0,
                resources=self.resources,
                config=self.config,
                log=self.workdir / f"{self.publisher_app_id}-daprd.log",
                api_token=self.api_token,
            )
            self.publisher.start()
            self.publisher.wait_ready(outbound=True)
        except BaseException:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        if self.publisher is not None:
            self.publisher.stop()
        self.broker.stop()
        if self._tmp is not None:
            self._tmp.cleanup()

    @property
    def names_db(self) -> Path:
        return self.workdir / "names.db"

    @property
    def bootstrap(self) -> str:
        return self.broker.bootstrap

    def create_topics(self, *topics: Topic) -> None:
        self.broker.create_topics(topics)

    @contextlib.contextmanager
    def subscriber(self, topic: str, *, app_id: str = SUBSCRIBER_APP_ID) -> Iterator[str]:
        """The subscriber service subscribed to `topic` behind its own daprd; yields its URL."""
        port = free_port()
        env = {**os.environ, "APP_API_TOKEN": self.app_token}
        env.pop("DAPR_API_TOKEN", None)
        log = self.workdir / f"subscriber-{topic}.log"
        app = spawn(
            [
                sys.executable,
                str(HERE / "dapr_subscriber.py"),
                "--port",
                str(port),
                "--topic",
                topic,
            ],
            log=log,
            on_owner_death=signal.SIGTERM,
            env=env,
        )
        sidecar = Sidecar(
            daprd=self.tools.daprd,
            app_id=app_id,
            app_port=port,
            resources=self.resources,
            config=self.config,
            log=self.workdir / f"subscriber-{topic}-daprd.log",
            app_token=self.app_token,
            api_token=self.api_token,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_http(url + "/bench/count", app, log)
            sidecar.start()
            sidecar.wait_ready()
            yield url
        finally:
            sidecar.stop()
            _stop(app)


def _wait_http(url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise TopologyError(f"the benchmark's subscriber exited; see {log}")
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=2).status_code == 200:
                return
        time.sleep(0.1)
    raise TopologyError(f"the benchmark's subscriber did not answer in {timeout:.0f} s; see {log}")

"""`taskflow up --dapr`: the production topology on one machine.

Kafka (KRaft, loopback), PostgreSQL and Redis (embedded unless DATABASE_URL / REDIS_URL are
set), then each of the five services as its own `taskflow serve` process with its own daprd
sidecar (app ids api, recurring, reminder, notification, audit), loading the resources the
cluster uses (`resources.py`). Fresh APP_API_TOKEN / DAPR_API_TOKEN per run and per app. One
public port (`edge.py`) serves the web app and routes every public path to its service.

A process that dies is restarted (with backoff, logged), as Kubernetes would; Ctrl-C or SIGTERM
stops everything in order: the edge, the apps (which drain), their sidecars, Kafka, then the
embedded servers.
"""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import uvicorn
from pydantic import SecretStr

from backend.launcher import (
    GRACEFUL_SHUTDOWN_SECONDS,
    CommandError,
    available_services,
    done,
    embedded_servers,
    ensure_port_free,
    migrate,
    public_url,
    step,
)
from backend.platform.embedded import DataDirectory
from backend.platform.embedded.process import spawn
from backend.platform.embedded.process import stop as stop_process
from backend.platform.events.cloudevent import REMINDERS, TASK_EVENTS
from backend.platform.settings import Settings
from backend.topology import resources, toolchain
from backend.topology.edge import Edge
from backend.topology.errors import TopologyError
from backend.topology.kafka import KafkaBroker, Topic
from backend.topology.ports import free_port
from backend.topology.sidecar import Sidecar

# Delivery is one message at a time per partition (dapr#5946): partitions are the parallelism.
PARTITIONS = {TASK_EVENTS: 12, REMINDERS: 6}
RESTART_BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)
HEALTHY_AFTER_SECONDS = 60.0  # a process that ran this long starts its backoff over


def topics() -> list[Topic]:
    """Every topic the services use, dead-letter topics (and the recorder's own) included."""
    made = []
    for topic, partitions in PARTITIONS.items():
        made += [
            Topic(topic, partitions),
            Topic(f"{topic}-dlq", partitions),
            Topic(f"{topic}-dlq-unprocessable", 1),
        ]
    return made


@dataclass
class Supervised:
    """A child process that is started again when it dies (not when we stop it)."""

    name: str
    command: list[str]
    log: Path
    env: dict[str, str] | None = None
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    due: float | None = None
    stopping: bool = False

    def start(self) -> None:
        self.process = spawn(
            self.command, log=self.log, on_owner_death=signal.SIGTERM, env=self.env
        )
        self.started_at = time.monotonic()
        self.due = None

    def check(self) -> None:
        """Restart the process if it died on its own and its backoff has passed."""
        if self.stopping or self.process is None:
            return
        code = self.process.poll()
        if code is None:
            return
        now = time.monotonic()
        if self.due is None:
            if now - self.started_at > HEALTHY_AFTER_SECONDS:
                self.restarts = 0
            delay = RESTART_BACKOFF[min(self.restarts, len(RESTART_BACKOFF) - 1)]
            self.due = now + delay
            print(
                f"! {self.name} exited with code {code}; restarting in {delay:.0f} s "
                f"(log: {self.log})",
                file=sys.stderr,
                flush=True,
            )
            return
        if now >= self.due:
            self.restarts += 1
            self.start()
            print(f"▸ {self.name} restarted", file=sys.stderr, flush=True)

    def stop(self, timeout: float) -> None:
        self.stopping = True
        stop_process(self.process, sig=signal.SIGTERM, timeout=timeout)


@dataclass
class ServiceProcess:
    name: str
    port: int
    app: Supervised
    sidecar: Sidecar
    daprd: Supervised


@dataclass
class Topology:
    """Everything `taskflow up --dapr` runs; `start()` and `stop()` for tests and the CLI."""

    data: DataDirectory
    host: str = "127.0.0.1"
    port: int = 8000
    serve_web: bool = True
    settings: Settings | None = None
    kafka: KafkaBroker | None = None
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    broker: Supervised | None = None
    app_tokens: dict[str, str] = field(default_factory=dict)
    dapr_token: str = ""

    @property
    def logs(self) -> Path:
        return self.data.path / "logs"

    @property
    def url(self) -> str:
        return public_url(self.host, self.port)

    def start_kafka(self, installed: toolchain.Installed) -> None:
        step("starting Kafka (KRaft)")
        clock = time.monotonic()
        self.kafka = KafkaBroker(installed, self.data.path / "kafka")
        self.kafka.start()
        self.kafka.create_topics(topics())
        self.broker = Supervised("kafka", self.kafka.command(), log=self.kafka.log)
        self.broker.process, self.broker.started_at = self.kafka.process, time.monotonic()
        done(f"Kafka ready at {self.kafka.bootstrap}, topics created", clock)

    def start_services(self, installed: toolchain.Installed, settings: Settings) -> None:
        assert self.kafka is not None
        run = self.data.path / "dapr"
        resources_dir, config = resources.write(
            run,
            brokers=self.kafka.bootstrap,
            name_resolution_db=run / "name-resolution.db",
            tracing_endpoint=settings.otel_exporter_otlp_endpoint,
        )
        self.logs.mkdir(parents=True, exist_ok=True)
        self.dapr_token = secrets.token_urlsafe(32)

        def secret(value: SecretStr | None) -> str:
            return value.get_secret_value() if value is not None else ""

        base_env = {
            **os.environ,
            "DATABASE_URL": settings.database_url or "",
            "REDIS_URL": settings.redis_url or "",
            "JWT_SECRET": settings.jwt_key,
            "INTERNAL_SECRET": secret(settings.internal_secret),
            "AUDIT_CHAIN_KEY": secret(settings.audit_chain_key),
            "EVENT_TRANSPORT": "dapr",
            "DAPR_API_TOKEN": self.dapr_token,
            "API_APP_ID": "api",
        }
        step("starting the services, each with its daprd sidecar")
        clock = time.monotonic()
        for name in available_services():
            port = free_port()
            token = self.app_tokens.setdefault(name, secrets.token_urlsafe(32))
            sidecar = Sidecar(
                installed.daprd,
                app_id=name,
                app_port=port,
                resources=resources_dir,
                config=config,
                log=self.logs / f"{name}-daprd.log",
                app_token=token,
                api_token=self.dapr_token,
            )
            env = {
                **base_env,
                "APP_API_TOKEN": token,
                "DAPR_HTTP_PORT": str(sidecar.http_port),
                "DAPR_GRPC_PORT": str(sidecar.grpc_port),
                "OTEL_SERVICE_NAME": f"taskflow-{name}",
            }
            app = Supervised(
                name,
                [
                    *(sys.executable, "-m", "backend.cli", "serve", name),
                    *("--host=127.0.0.1", f"--port={port}"),
                    *(() if self.serve_web else ("--no-web",)),
                ],
                log=self.logs / f"{name}.log",
                env=env,
            )
            daprd = Supervised(
                f"{name}-daprd", sidecar.command(), log=sidecar.log, env=sidecar.environment()
            )
            self.services[name] = ServiceProcess(name, port, app, sidecar, daprd)
            app.start()
            daprd.start()
            sidecar.process = daprd.process
        for service in self.services.values():
            self._wait_app(service)
            service.sidecar.wait_ready(timeout=90)
        done(f"{len(self.services)} services and sidecars ready", clock)

    def _wait_app(self, service: ServiceProcess, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        url = f"http://127.0.0.1:{service.port}/health"
        while time.monotonic() < deadline:
            if service.app.process is not None and service.app.process.poll() is not None:
                raise TopologyError(
                    f"the {service.name} service exited at start-up; see {service.app.log}"
                )
            try:
                if httpx.get(url, timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TopologyError(f"the {service.name} service did not start; see {service.app.log}")

    def supervise_once(self) -> None:
        if self.broker is not None:
            self.broker.check()
            self.kafka.process = self.broker.process
        for service in self.services.values():
            service.app.check()
            service.daprd.check()
            service.sidecar.process = service.daprd.process

    def edge(self) -> Edge:
        return Edge({name: f"http://127.0.0.1:{s.port}" for name, s in self.services.items()})

    def stop(self) -> None:
        """Apps first (they drain and flush while their sidecars still deliver), then sidecars,
        then Kafka."""
        for service in self.services.values():
            service.app.stopping = service.daprd.stopping = True
        for service in self.services.values():
            if service.app.process is not None and service.app.process.poll() is None:
                service.app.process.terminate()
        for service in self.services.values():
            service.app.stop(GRACEFUL_SHUTDOWN_SECONDS + 5)
        for service in self.services.values():
            service.daprd.stop(20)
        if self.broker is not None:
            self.broker.stopping = True
        if self.kafka is not None:
            self.kafka.stop()

    def banner(self) -> str:
        lines = [f"  logs: {self.logs}"]
        for name, service in self.services.items():
            lines.append(
                f"    {name:<13} app :{service.port} ({service.app.log.name}), "
                f"daprd :{service.sidecar.http_port} ({service.sidecar.log.name})"
            )
        if self.kafka is not None:
            lines.append(f"    kafka         {self.kafka.bootstrap} ({self.kafka.log})")
        lines.append(
            f"TaskFlow (Dapr + Kafka) is running at {self.url}  (API docs: {self.url}/docs) "
            "— Ctrl-C to stop"
        )
        return "\n".join(lines)


class _Stop(Exception):
    pass


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop


def run_dapr(*, host: str, port: int, data_dir: Path, serve_web: bool) -> int:
    """The CLI: install (cached), start everything, serve the edge until Ctrl-C/SIGTERM."""
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)
    installed = toolchain.install()
    base = Settings()
    data = DataDirectory(data_dir)
    data.claim()
    topology = Topology(data=data, host=host, port=port, serve_web=serve_web)
    try:
        ensure_port_free(host, port)
        configured = base.model_copy(
            update={
                "data_dir": data.path,
                "internal_secret": base.internal_secret
                or SecretStr(data.secret("internal-secret")),
                "audit_chain_key": base.audit_chain_key
                or SecretStr(data.secret("audit-chain-key")),
                "jwt_secret": base.jwt_secret or SecretStr(data.secret("jwt-secret")),
            }
        )
        # embedded PostgreSQL and Redis (unless URLs are set), restarted if they die
        with embedded_servers(configured, data) as (settings, _):
            migrate(settings.database_url or "")
            topology.settings = settings
            topology.start_kafka(installed)
            topology.start_services(installed, settings)
            edge = uvicorn.Server(
                uvicorn.Config(
                    topology.edge(), host=host, port=port, log_level="warning", lifespan="on"
                )
            )
            thread = threading.Thread(target=edge.run, name="edge", daemon=True)
            thread.start()
            while not edge.started:
                if not thread.is_alive():
                    raise CommandError(f"could not serve on {host}:{port}; see above")
                time.sleep(0.05)
            print(topology.banner(), file=sys.stderr, flush=True)
            try:
                while True:
                    topology.supervise_once()
                    time.sleep(0.5)
            except _Stop:
                print("▸ stopping", file=sys.stderr, flush=True)
            edge.should_exit = True
            thread.join(15)
            topology.stop()
        print("✓ stopped", file=sys.stderr)
        return 0
    except _Stop:
        topology.stop()
        return 130
    except BaseException:
        topology.stop()
        raise
    finally:
        data.release()

"""One daprd sidecar in self-hosted mode, without Docker: its own ports on loopback, the
resources folder and Configuration of `resources.write`, no placement or scheduler (pub/sub and
invocation need neither; an address given with nothing listening keeps /v1.0/healthz at 500).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from backend.platform.embedded.process import spawn
from backend.platform.embedded.process import stop as stop_process
from backend.topology.errors import TopologyError
from backend.topology.ports import free_port

# The app drains for up to 10 s on SIGTERM (launcher.GRACEFUL_SHUTDOWN_SECONDS); the sidecar
# must outlive that so in-flight deliveries can still be acknowledged.
GRACEFUL_SHUTDOWN_SECONDS = 15


@dataclass
class Sidecar:
    daprd: Path
    app_id: str
    app_port: int
    resources: Path
    config: Path
    log: Path
    app_token: str | None = None
    api_token: str | None = None
    app_health_path: str | None = None
    http_port: int = field(default_factory=free_port)
    grpc_port: int = field(default_factory=free_port)
    internal_grpc_port: int = field(default_factory=free_port)
    metrics_port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    def command(self) -> list[str]:
        command = [
            str(self.daprd),
            "--mode",
            "standalone",
            "--app-id",
            self.app_id,
            "--app-port",
            str(self.app_port),
            "--app-protocol",
            "http",
            "--app-channel-address",
            "127.0.0.1",
            "--dapr-http-port",
            str(self.http_port),
            "--dapr-grpc-port",
            str(self.grpc_port),
            "--dapr-internal-grpc-port",
            str(self.internal_grpc_port),
            "--dapr-listen-addresses",
            "127.0.0.1",
            "--metrics-port",
            str(self.metrics_port),
            "--resources-path",
            str(self.resources),
            "--config",
            str(self.config),
            "--dapr-graceful-shutdown-seconds",
            str(GRACEFUL_SHUTDOWN_SECONDS),
            "--log-level",
            "info",
        ]
        if self.app_health_path:
            command += [
                "--enable-app-health-check",
                "--app-health-check-path",
                self.app_health_path,
                "--app-health-probe-interval",
                "1",
                "--app-health-threshold",
                "3",
            ]
        return command

    def environment(self) -> dict[str, str]:
        env = {**os.environ, "DAPR_HOST_IP": "127.0.0.1"}
        for name, value in (("APP_API_TOKEN", self.app_token), ("DAPR_API_TOKEN", self.api_token)):
            if value:
                env[name] = value
            else:
                env.pop(name, None)
        return env

    def start(self) -> subprocess.Popen[bytes]:
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.process = spawn(
            self.command(), log=self.log, on_owner_death=signal.SIGTERM, env=self.environment()
        )
        return self.process

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    def wait_ready(self, timeout: float = 60.0, *, outbound: bool = False) -> None:
        """Until /v1.0/healthz (or /healthz/outbound: components loaded) answers 204."""
        path = "/v1.0/healthz/outbound" if outbound else "/v1.0/healthz"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise TopologyError(f"daprd for {self.app_id} exited; see {self.log}")
            try:
                if httpx.get(self.url + path, timeout=2).status_code == 204:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise TopologyError(f"daprd for {self.app_id} not ready in {timeout:.0f} s; see {self.log}")

    def stop(self, timeout: float = GRACEFUL_SHUTDOWN_SECONDS + 5) -> None:
        stop_process(self.process, sig=signal.SIGTERM, timeout=timeout)

"""What the `taskflow` commands run: `up` (embedded PostgreSQL and Redis, migrations, every
service on one port), `serve` (one service) and `db upgrade`.

Whatever `up` starts, it stops on every way out: Ctrl-C, SIGTERM, or a failure half-way.
"""

from __future__ import annotations

import contextlib
import errno
import importlib.util
import os
import signal
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import uvicorn
from pydantic import SecretStr

from backend.platform.embedded import DataDirectory, EmbeddedPostgres, EmbeddedRedis
from backend.platform.embedded.supervise import Supervisor
from backend.platform.settings import SERVICE_PORTS, Settings

SERVICE_NAMES = tuple(SERVICE_PORTS)


class CommandError(Exception):
    """Ends the command with its message as one line on stderr."""


def module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a parent package is missing
        return False


def available_services() -> list[str]:
    """The api plus every subscriber service whose package is present."""
    return ["api"] + [
        name for name in SERVICE_NAMES[1:] if module_exists(f"services.{name}.service")
    ]


def ensure_port_free(host: str, port: int) -> None:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except PermissionError:
            raise CommandError(
                f"port {port} on {host} needs privileges; pass --port 1024 or above"
            ) from None
        except socket.gaierror as exc:
            raise CommandError(
                f"cannot listen on {host!r} ({exc.strerror}); pass --host with an address "
                "of this machine"
            ) from None
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"port {port} on {host} is already in use; stop what uses it or pass --port"
                ) from None
            raise CommandError(
                f"cannot listen on {host}:{port} ({exc.strerror}); pass another --host or --port"
            ) from None


GRACEFUL_SHUTDOWN_SECONDS = 10


def serve_service(name: str, *, host: str, port: int | None, serve_web: bool = True) -> int:
    """`taskflow serve <name>`: one service, configured from the environment."""
    from backend.app import create_app, load_services

    if name not in available_services():
        raise CommandError(
            f"the {name} service is not part of this installation (no services/{name})"
        )
    settings = Settings()
    settings.require_service_secrets(name)
    port = port or int(os.environ.get("PORT") or SERVICE_PORTS[name])
    ensure_port_free(host, port)
    preflight(settings)
    fatal: list[str] = []

    def stop_serving(reason: str) -> None:
        fatal.append(reason)
        signal.raise_signal(signal.SIGTERM)  # uvicorn's handler: a graceful shutdown

    app = create_app(
        settings,
        load_services([name]),
        name=name,
        serve_web=serve_web and name == "api",
        on_fatal=stop_serving,
    )
    # Open streams (SSE, chat) get GRACEFUL_SHUTDOWN_SECONDS to finish after SIGTERM, well
    # inside the pod's 30 s grace period, so the lifespan's shutdown (flushing the audit
    # buffer, releasing claims) always runs before Kubernetes sends SIGKILL.
    uvicorn.run(
        app,
        host=host,
        port=port,
        log_level="warning",
        proxy_headers=True,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    if fatal:
        raise CommandError(fatal[0])
    return 0


def preflight(settings: Settings) -> None:
    """A malformed URL, a wrong password or database ends the command here, in one line; a
    server that is merely not up yet is waited for once serving (not ready meanwhile)."""
    import asyncio

    from backend.platform.db import make_engine
    from backend.platform.redis import make_redis
    from backend.platform.runtime import Runtime
    from backend.platform.startup import DependencyUnusable, check_once

    for name, make, url in (
        ("DATABASE_URL", make_engine, settings.database_url),
        ("REDIS_URL", make_redis, settings.redis_url),
    ):
        try:
            make(url or "")
        except Exception as exc:  # SQLAlchemy / redis-py refusing the URL itself
            raise CommandError(f"{name} is not a valid URL: {exc}".splitlines()[0]) from None

    async def check() -> None:
        runtime = Runtime.open(settings)
        try:
            await check_once(runtime)
        except DependencyUnusable as exc:
            raise CommandError(str(exc)) from None
        finally:
            await runtime.close()

    asyncio.run(check())


def step(message: str) -> None:
    print(f"▸ {message}", file=sys.stderr, flush=True)


def done(message: str, started: float) -> None:
    print(f"✓ {message} ({time.monotonic() - started:.1f} s)", file=sys.stderr, flush=True)


@contextlib.contextmanager
def embedded_servers(
    settings: Settings, data: DataDirectory
) -> Iterator[tuple[Settings, Supervisor]]:
    """Settings whose database and Redis exist: embedded ones when no URL is configured,
    kept running by the supervisor (restarted with backoff if one exits)."""
    started: list[EmbeddedPostgres | EmbeddedRedis] = []
    updates: dict[str, object] = {}
    supervisor: Supervisor | None = None
    try:
        if settings.database_url is None:
            step("starting PostgreSQL")
            clock = time.monotonic()
            postgres = EmbeddedPostgres(data.path)
            started.append(postgres)
            postgres.start()
            # The app never connects as the superuser (docs/audit.md: what one could do).
            updates["database_url"] = postgres.prepare_app_role()
            done("PostgreSQL ready", clock)
        if settings.redis_url is None:
            step("starting Redis")
            clock = time.monotonic()
            redis = EmbeddedRedis(data.path)
            started.append(redis)
            updates["redis_url"] = redis.start()
            done("Redis ready", clock)
        supervisor = Supervisor(
            [("postgres" if isinstance(s, EmbeddedPostgres) else "redis", s) for s in started]
        )
        supervisor.start()
        yield settings.model_copy(update=updates), supervisor
    finally:
        if supervisor is not None:
            supervisor.stop()
        for server in reversed(started):
            server.stop()


def migrate(database_url: str, revision: str = "heads") -> None:
    from backend.migrations import upgrade

    step("applying database migrations")
    clock = time.monotonic()
    try:
        upgrade(database_url, revision)
    except Exception as exc:  # a failed migration is one line, not a traceback
        raise CommandError(
            f"database migration failed: {type(exc).__name__}: {exc}".splitlines()[0]
        ) from None
    done("database schema up to date", clock)


@contextlib.contextmanager
def command_database(data_dir: Path) -> Iterator[str]:
    """The database an admin command works on: DATABASE_URL, the embedded server of a running
    `taskflow up` on `data_dir`, or that server started just for the command."""
    settings = Settings()
    if settings.database_url is not None:
        yield settings.database_url
        return
    data = DataDirectory(data_dir)
    postgres = EmbeddedPostgres(data.path)
    if postgres.is_running():
        yield postgres.prepare_app_role()
        return
    data.claim()
    try:
        postgres.start()
        yield postgres.prepare_app_role()
    finally:
        postgres.stop()
        data.release()


@contextlib.contextmanager
def command_servers(data_dir: Path) -> Iterator[tuple[str, str]]:
    """(database URL, Redis URL) for an admin command: DATABASE_URL / REDIS_URL, the embedded
    servers of a running `taskflow up` on `data_dir`, or those servers started just for it."""
    settings = Settings()
    with command_database(data_dir) as database_url:
        if settings.redis_url is not None:
            yield database_url, settings.redis_url
            return
        redis = EmbeddedRedis(DataDirectory(data_dir).path)
        if redis.is_running():  # the running `taskflow up`'s
            yield database_url, redis.url
            return
        try:
            yield database_url, redis.start()
        finally:
            redis.stop()


def upgrade_database(settings: Settings, *, data_dir: Path, revision: str) -> None:
    """`taskflow db upgrade`: DATABASE_URL, or the embedded server of `data_dir` (the running
    one of a `taskflow up`, or one started just for this)."""
    if settings.database_url is not None:
        migrate(settings.database_url, revision)
        return
    with command_database(data_dir) as url:
        migrate(url, revision)


class _Server(uvicorn.Server):
    """uvicorn, announcing where to open the app once it listens."""

    banner = ""

    async def startup(self, sockets: list | None = None) -> None:
        await super().startup(sockets)
        if self.started:
            print(self.banner, file=sys.stderr, flush=True)

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        # uvicorn re-raises SIGINT/SIGTERM after its graceful shutdown, which would end the
        # process before the embedded servers are stopped; we stop them, then exit normally.
        with super().capture_signals():
            yield
            self._captured_signals.clear()


def public_url(host: str, port: int) -> str:
    """Where a browser on this machine opens a server listening on `host`."""
    if host in ("0.0.0.0", "::", ""):
        host = "localhost"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt  # SIGTERM before uvicorn serves: unwind, stopping what started


def run_embedded(*, host: str, port: int, data_dir: Path, serve_web: bool) -> int:
    from backend.app import create_app, load_services
    from backend.web import DEFAULT_DIST

    signal.signal(signal.SIGTERM, _interrupt)
    base = Settings()
    data = DataDirectory(data_dir)
    data.claim()
    try:
        ensure_port_free(host, port)
        secrets = {
            "internal_secret": base.internal_secret or SecretStr(data.secret("internal-secret")),
            "audit_chain_key": base.audit_chain_key or SecretStr(data.secret("audit-chain-key")),
            "jwt_secret": base.jwt_secret or SecretStr(data.secret("jwt-secret")),
        }
        configured = base.model_copy(update={"embedded": True, "data_dir": data.path, **secrets})
        with embedded_servers(configured, data) as (settings, supervisor):
            migrate(settings.database_url or "")
            services = available_services()
            app = create_app(
                settings,
                load_services(services),
                name="embedded",
                serve_web=serve_web,
                on_runtime=supervisor.report_to,
            )
            url = public_url(host, port)
            web = settings.web_dist or DEFAULT_DIST
            if serve_web and not (web / "index.html").exists():
                step(
                    f"the web app is not built ({web}): ./scripts/run builds it "
                    "(or 'npm ci && npm run build' in frontend/)"
                )
            server = _Server(
                uvicorn.Config(
                    app,
                    host=host,
                    port=port,
                    log_level="warning",
                    lifespan="on",
                    timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
                )
            )
            server.banner = (
                f"  services: {', '.join(services)}; data: {data.path}\n"
                f"TaskFlow is running at {url}  (API docs: {url}/docs) — Ctrl-C to stop"
            )
            server.run()
            if not server.started:
                raise CommandError(f"could not serve on {host}:{port}; see the messages above")
        print("✓ stopped", file=sys.stderr)
        return 0
    finally:
        data.release()

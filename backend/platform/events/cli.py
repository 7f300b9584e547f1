"""`taskflow events dlq list` and `taskflow events dlq replay [ID …]`."""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import asyncpg

from backend.platform.events import dlq
from backend.platform.settings import asyncpg_dsn, default_data_dir


def register(commands: argparse._SubParsersAction) -> None:
    events = commands.add_parser("events", help="the event backbone")
    events_commands = events.add_subparsers(dest="events_command", required=True, metavar="COMMAND")
    dead = events_commands.add_parser(
        "dlq", help="dead letters: events a subscriber could not process"
    )
    dead_commands = dead.add_subparsers(dest="dlq_command", required=True, metavar="COMMAND")
    data_dir = str(default_data_dir())
    listing = dead_commands.add_parser("list", help="list dead letters not yet replayed")
    listing.add_argument("--limit", type=int, default=100)
    listing.add_argument("--data-dir", default=data_dir)
    listing.set_defaults(handler=_list)
    again = dead_commands.add_parser(
        "replay", help="deliver dead letters again (all, or the IDs given)"
    )
    again.add_argument("ids", nargs="*", type=int, metavar="ID")
    again.add_argument("--data-dir", default=data_dir)
    again.set_defaults(handler=_replay)


async def _connect(url: str) -> asyncpg.Connection:
    return await asyncpg.connect(asyncpg_dsn(url))


def _list(args: argparse.Namespace) -> int:
    from backend.launcher import command_database

    with command_database(Path(args.data_dir)) as url:
        rows = asyncio.run(_fetch(url, args.limit))
    if not rows:
        print("no dead letters")
        return 0
    print(f"{'ID':>6}  {'SUBSCRIBER':<28} {'TYPE':<34} {'ATTEMPTS':>8}  FAILED AT  REASON")
    for row in rows:
        print(
            f"{row['id']:>6}  {row['subscriber']:<28} {row['type']!s:<34} {row['attempts']:>8}  "
            f"{row['failed_at']:%Y-%m-%d %H:%M:%S}  {row['reason']}"
        )
    return 0


async def _fetch(url: str, limit: int) -> list[dict]:
    connection = await _connect(url)
    try:
        return await dlq.list_dead_letters(connection, limit=limit)
    finally:
        await connection.close()


def _replay(args: argparse.Namespace) -> int:
    from backend.launcher import command_database

    with command_database(Path(args.data_dir)) as url:
        replayed = asyncio.run(_do_replay(url, args.ids or None))
    missing = sorted(set(args.ids) - set(replayed))
    print(
        f"replayed {len(replayed)} dead letter(s)"
        + (f": {', '.join(map(str, replayed))}" if replayed else "")
    )
    if missing:
        print(
            f"taskflow: no open dead letter with ID {', '.join(map(str, missing))}", file=sys.stderr
        )
        return 1
    return 0


async def _do_replay(url: str, ids: list[int] | None) -> list[int]:
    connection = await _connect(url)
    try:
        return await dlq.replay(connection, ids)
    finally:
        await connection.close()

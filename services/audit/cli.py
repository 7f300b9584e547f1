"""`taskflow audit verify [--user ID]`: recompute users' chains (all users by default) with
the key from AUDIT_CHAIN_KEY (or `taskflow up`'s data directory) against the checkpoints kept
in Redis. One line per user; exit status 1 if any trail is broken."""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from pathlib import Path

from pydantic import SecretStr

from backend.platform.db import make_engine, make_sessionmaker
from backend.platform.redis import make_redis
from backend.platform.settings import ConfigError, Settings, default_data_dir
from services.audit import checkpoints
from services.audit.chain import Verification
from services.audit.queries import verify_trail
from services.audit.settings import chain_key

KEY_FILE = "audit-chain-key"


def register(commands: argparse._SubParsersAction) -> None:
    audit = commands.add_parser("audit", help="the audit trail")
    audit_commands = audit.add_subparsers(dest="audit_command", required=True, metavar="COMMAND")
    verify = audit_commands.add_parser(
        "verify", help="verify users' audit chains (all, or --user ID) against their checkpoints"
    )
    verify.add_argument("--user", type=uuid.UUID, metavar="ID", help="one user's trail only")
    verify.add_argument("--data-dir", default=None, help=f"default: {default_data_dir()}")
    verify.set_defaults(handler=_verify)


def _key(settings: Settings, data_dir: Path) -> bytes:
    if settings.audit_chain_key is None:
        stored = data_dir.expanduser() / KEY_FILE
        if not stored.is_file():
            raise ConfigError(
                f"AUDIT_CHAIN_KEY is not set and {stored} does not exist: "
                "set the key the audit service signs with"
            )
        settings = settings.model_copy(
            update={"audit_chain_key": SecretStr(stored.read_text().strip())}
        )
    return chain_key(settings)


def _verify(args: argparse.Namespace) -> int:
    from backend.launcher import command_servers

    settings = Settings()
    data_dir = Path(args.data_dir) if args.data_dir else settings.data_dir
    key = _key(settings, data_dir)
    with command_servers(data_dir) as (database_url, redis_url):
        results = asyncio.run(verify_users(database_url, redis_url, key, args.user))
    for user_id, result in sorted(results.items()):
        print(_line(user_id, result))
    broken = [user for user, result in results.items() if not result.ok]
    print(
        f"{len(results)} trail(s) verified, {len(broken)} broken",
        file=sys.stderr if broken else sys.stdout,
    )
    return 1 if broken else 0


def _line(user_id: str, result: Verification) -> str:
    if result.ok:
        return f"✓ {user_id}: {result.checked} entries"
    bad = result.first_bad or {}
    return f"✗ {user_id}: seq {bad.get('seq')}: {bad.get('reason')}"


async def verify_users(
    database_url: str, redis_url: str, key: bytes, user: uuid.UUID | None
) -> dict[str, Verification]:
    """Every user the database or the checkpoints know of (or just `user`)."""
    engine = make_engine(database_url, pool_size=1)
    redis = make_redis(redis_url)
    sessions = make_sessionmaker(engine)
    try:
        if user is not None:
            users = {str(user)}
        else:
            async with engine.connect() as connection:
                listed = await connection.exec_driver_sql(
                    "SELECT user_id FROM audit_chain_heads "
                    "UNION SELECT DISTINCT user_id FROM audit_events"
                )
                users = {str(row[0]) for row in listed}
            users |= await checkpoints.users(redis)
        results = {}
        for user_id in users:
            async with sessions() as session, session.begin():
                results[user_id] = await verify_trail(
                    session, user_id=uuid.UUID(user_id), key=key, redis=redis
                )
        return results
    finally:
        await redis.aclose()
        await engine.dispose()

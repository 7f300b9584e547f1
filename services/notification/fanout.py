"""Cross-replica fan-out: every replica reads every frame from one shared Redis stream.

Dapr delivers each event to one replica only (they share a consumer group). That replica's
handler records the frame (history.py), which also appends it to `FANOUT_STREAM`; every
replica tails that stream with XREAD BLOCK and hands each entry to its own hub.

Why a stream and not pub/sub: a replica whose Redis connection blips resumes from the last
entry it read, so nothing is lost in a short outage. Failure mode: if a replica falls
further behind than the stream retains (NOTIFY_FANOUT_MAXLEN entries), it cannot know what
it missed; it then closes all its streams, and their EventSource clients reconnect with
Last-Event-ID and replay from their own history. While Redis is unreachable, live frames
stop (streams stay open, heartbeats continue) and catch up when it returns.
"""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis
import structlog
from redis.exceptions import RedisError

from services.notification.frames import Frame, parse_sid
from services.notification.history import FANOUT_STREAM
from services.notification.hub import Hub

log = structlog.get_logger("taskflow.notification")
_BLOCK_MS = 2_000  # under redis-py's default 5 s socket timeout
_BATCH = 1_000


async def _start_position(redis: aioredis.Redis) -> str:
    newest = await redis.xrevrange(FANOUT_STREAM, count=1)
    return newest[0][0] if newest else "0-0"


async def _fell_behind(redis: aioredis.Redis, last_id: str) -> bool:
    """Whether entries after `last_id` may have been trimmed: true unless the stream still
    holds `last_id` or an older entry."""
    if last_id == "0-0":
        return False
    return not await redis.xrevrange(FANOUT_STREAM, max=last_id, count=1)


def dispatch(hub: Hub, entries: list[tuple[str, dict[str, str]]]) -> None:
    """Hand fan-out entries to the local streams of their users."""
    for _, fields in entries:
        frame = Frame(parse_sid(fields["s"]), fields["k"], fields["f"].encode())
        hub.deliver(fields["u"], frame)


async def run_fanout(redis: aioredis.Redis, hub: Hub) -> None:
    """Tail the fan-out stream forever, delivering into `hub`; survives Redis outages."""
    last_id: str | None = None
    delay = 0.1
    while True:
        try:
            if last_id is None:
                last_id = await _start_position(redis)
                hub.ready.set()
            elif await _fell_behind(redis, last_id):
                log.warning("fanout_gap_closing_streams", streams=len(hub))
                hub.close_all("resync")
                last_id = await _start_position(redis)
            while True:
                answer = await redis.xread({FANOUT_STREAM: last_id}, count=_BATCH, block=_BLOCK_MS)
                delay = 0.1
                for _, entries in answer or ():
                    if entries:
                        last_id = entries[-1][0]
                        dispatch(hub, entries)
        except asyncio.CancelledError:
            raise
        except (RedisError, OSError) as exc:
            log.warning("fanout_redis_error", error=str(exc), retry_in=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

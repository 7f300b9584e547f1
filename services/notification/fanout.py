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
from redis.client import NEVER_DECODE
from redis.exceptions import RedisError

from services.notification.frames import Frame, parse_sid
from services.notification.history import FANOUT_STREAM
from services.notification.hub import Hub

log = structlog.get_logger("taskflow.notification")
_BLOCK_MS = 2_000  # under redis-py's default 5 s socket timeout
_BATCH = 1_000
# Entries after ARGV[1] (at most ARGV[2]) as ONE string: redis-py's pure-Python parser
# spends ~60 µs on each entry's 9 reply elements (195 ms for the 3,334 entries of a
# one-event-per-user fan-out), and ~1 µs per entry on this. Each entry becomes
# "<user> <sid> <len(key)> <len(frame)>\n<key><frame>" (lengths in bytes).
# Returns {id of the last entry, or ARGV[1] when none; the entries}.
_FETCH = """
local entries = redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+', 'COUNT', ARGV[2])
local n = #entries
if n == 0 then return {ARGV[1], ''} end
local parts = {}
for i = 1, n do
  local f = entries[i][2]
  local u, s, k, fr
  for j = 1, #f, 2 do
    local name = f[j]
    if name == 'u' then u = f[j + 1]
    elseif name == 's' then s = f[j + 1]
    elseif name == 'k' then k = f[j + 1]
    elseif name == 'f' then fr = f[j + 1] end
  end
  parts[i] = u .. ' ' .. s .. ' ' .. #k .. ' ' .. #fr .. '\\n' .. k .. fr
end
return {entries[n][1], table.concat(parts)}
"""


async def _start_position(redis: aioredis.Redis) -> str:
    newest = await redis.xrevrange(FANOUT_STREAM, count=1)
    return newest[0][0] if newest else "0-0"


async def _fell_behind(redis: aioredis.Redis, last_id: str) -> bool:
    """Whether entries after `last_id` may have been trimmed: true unless the stream still
    holds `last_id` or an older entry."""
    if last_id == "0-0":
        return False
    return not await redis.xrevrange(FANOUT_STREAM, max=last_id, count=1)


async def fetch(redis: aioredis.Redis, after: str) -> tuple[str, bytes]:
    """The fan-out entries after entry `after` (at most `_BATCH`), packed as `_FETCH` says,
    and the id of the last one (`after` when there are none)."""
    last, packed = await redis.execute_command(
        "EVAL", _FETCH, 1, FANOUT_STREAM, after, _BATCH, **{NEVER_DECODE: True}
    )
    return last.decode(), packed


def dispatch(hub: Hub, packed: bytes) -> int:
    """Hand packed fan-out entries to the local streams of their users; how many entries.
    The frame's bytes are shared by every stream that sends them."""
    count, position, end = 0, 0, len(packed)
    users = hub.users
    while position < end:
        newline = packed.index(b"\n", position)
        user, sid, key_length, frame_length = packed[position:newline].split(b" ")
        key_end = newline + 1 + int(key_length)
        position = key_end + int(frame_length)
        count += 1
        user_id = user.decode()
        if user_id in users:
            key = packed[newline + 1 : key_end].decode()
            hub.deliver(user_id, Frame(parse_sid(sid.decode()), key, packed[key_end:position]))
    return count


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
                last_id, packed = await fetch(redis, last_id)
                delay = 0.1
                if dispatch(hub, packed) < _BATCH:
                    # Caught up: wait for the next entry (read again, packed, by `fetch`).
                    await redis.xread({FANOUT_STREAM: last_id}, count=1, block=_BLOCK_MS)
        except asyncio.CancelledError:
            raise
        except (RedisError, OSError) as exc:
            log.warning("fanout_redis_error", error=str(exc), retry_in=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 5.0)

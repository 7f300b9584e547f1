"""Each user's recent frames in a Redis stream (capped by length and age), for resume.

`record` writes an event once per event id, atomically: the dedup marker, the user's history
entry and the cross-replica fan-out entry (see fanout.py) happen together or not at all.
The marker remembers where the event sits in its user's history, which is how a
`Last-Event-ID` (an event id) becomes a replay position.
"""

from __future__ import annotations

import redis.asyncio as aioredis

from services.notification.frames import Frame, parse_sid

FANOUT_STREAM = "taskflow:notify:fanout"
_REPLAY_BATCH = 500

# KEYS: seen marker, user history, fan-out stream, task version ("" when unversioned)
# ARGV: user id, frame, coalesce key, history maxlen, history age ms, fan-out maxlen,
#       marker ttl s, version (0 = none)
_RECORD = """
if redis.call('EXISTS', KEYS[1]) == 1 then return false end
local version = tonumber(ARGV[8])
if version > 0 then
  local current = tonumber(redis.call('GET', KEYS[4]) or '0')
  if version <= current then
    redis.call('SET', KEYS[1], '', 'EX', ARGV[7])
    return 'stale'
  end
  redis.call('SET', KEYS[4], version, 'EX', ARGV[7])
end
local sid = redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[4], '*', 'f', ARGV[2], 'k', ARGV[3])
local ms = tonumber(string.match(sid, '^(%d+)'))
redis.call('XTRIM', KEYS[2], 'MINID', '~', tostring(ms - tonumber(ARGV[5])))
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('SET', KEYS[1], ARGV[1] .. ' ' .. sid, 'EX', ARGV[7])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[6], '*', 'u', ARGV[1], 's', sid, 'f', ARGV[2], 'k', ARGV[3])
return sid
"""


def history_key(user_id: str) -> str:
    return f"taskflow:notify:history:{user_id}"


def _seen_key(event_id: str) -> str:
    return f"taskflow:notify:seen:{event_id}"


async def record(
    redis: aioredis.Redis,
    *,
    user_id: str,
    event_id: str,
    frame: str,
    key: str,
    task_id: str | None,
    version: int,
    maxlen: int,
    age_seconds: int,
    fanout_maxlen: int,
    seen_seconds: int,
) -> str | None:
    """The new history entry id; None for an event already recorded or older than the
    newest version of its task already recorded."""
    script = redis.register_script(_RECORD)
    version_key = f"taskflow:notify:version:{task_id}" if task_id and version > 0 else ""
    result = await script(
        keys=[_seen_key(event_id), history_key(user_id), FANOUT_STREAM, version_key],
        args=[
            user_id,
            frame,
            key,
            maxlen,
            age_seconds * 1000,
            fanout_maxlen,
            seen_seconds,
            version if version_key else 0,
        ],
    )
    return None if result in (None, "stale") else str(result)


async def resume_position(redis: aioredis.Redis, *, user_id: str, last_event_id: str) -> str:
    """Where this user's replay starts after `last_event_id`: its history entry id, or "-"
    (everything retained) when the id is unknown, expired or not this user's."""
    if not last_event_id or len(last_event_id) > 100:
        return "-"
    marker = await redis.get(_seen_key(last_event_id))
    owner, _, sid = (marker or "").partition(" ")
    return sid if owner == user_id and sid else "-"


async def replay(redis: aioredis.Redis, *, user_id: str, after: str) -> list[Frame]:
    """The user's retained frames after history entry `after` ("-" for all), oldest first."""
    frames: list[Frame] = []
    start = after if after == "-" else "(" + after
    while True:
        entries = await redis.xrange(history_key(user_id), min=start, max="+", count=_REPLAY_BATCH)
        for sid, fields in entries:
            frames.append(Frame(parse_sid(sid), fields["k"], fields["f"].encode()))
        if len(entries) < _REPLAY_BATCH:
            return frames
        start = "(" + entries[-1][0]

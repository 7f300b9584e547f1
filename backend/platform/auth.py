"""Password hashing, JWT access tokens, revocation, and the authenticated principal."""

from __future__ import annotations

import functools
import hashlib
import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anyio
import jwt
import redis.asyncio as aioredis
from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

from backend.platform.errors import Problem

SESSION_COOKIE = "taskflow_session"
_hasher = PasswordHash((Argon2Hasher(),))
_ALGORITHM = "HS256"
# A valid hash of a random password, so unknown emails cost as much time as known ones.
_DUMMY_HASH = _hasher.hash(uuid.uuid4().hex)


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


async def verify_password(password: str, password_hash: str | None) -> bool:
    return (
        await anyio.to_thread.run_sync(_hasher.verify, password, password_hash or _DUMMY_HASH)
        and password_hash is not None
    )


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the user id from a verified token."""

    user_id: uuid.UUID
    jti: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    expires_in: int
    jti: str


def issue_token(*, user_id: uuid.UUID, secret: str, minutes: int) -> IssuedToken:
    now = datetime.now(UTC)
    jti = uuid.uuid4().hex
    claims = {
        "sub": str(user_id),
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(minutes=minutes)).timestamp()),
        "jti": jti,
    }
    return IssuedToken(jwt.encode(claims, secret, algorithm=_ALGORITHM), minutes * 60, jti)


def _revoked_key(jti: str) -> str:
    return f"taskflow:revoked:{jti}"


# jti -> monotonic time until which "not revoked" is trusted without asking Redis. Every
# request of a session carries the same token, so Redis is asked about it at most once per
# REVOCATION_RECHECK_SECONDS instead of on every request: a logout takes effect at once in the
# process that handled it and within that many seconds in every other process.
REVOCATION_RECHECK_SECONDS = 1.0
_not_revoked_until: dict[str, float] = {}


async def _is_revoked(jti: str, redis: aioredis.Redis) -> bool:
    now = time.monotonic()
    if _not_revoked_until.get(jti, 0.0) > now:
        return False
    if await redis.exists(_revoked_key(jti)):
        _not_revoked_until.pop(jti, None)
        return True
    if len(_not_revoked_until) >= 10_000:
        _not_revoked_until.clear()
    _not_revoked_until[jti] = now + REVOCATION_RECHECK_SECONDS
    return False


async def revoked_among(jtis: Collection[str], redis: aioredis.Redis) -> set[str]:
    """Which of these sign-ins' `jti`s were signed out, in one command (for connections that
    outlive the request that authenticated them)."""
    asked = list(jtis)
    if not asked:
        return set()
    answers = await redis.mget([_revoked_key(jti) for jti in asked])
    return {jti for jti, found in zip(asked, answers, strict=True) if found is not None}


def unauthorized(detail: str = "Sign in first: no valid access token was sent") -> Problem:
    return Problem(401, detail, headers={"WWW-Authenticate": "Bearer"})


@functools.lru_cache(maxsize=4096)
def _verified(token: str, secret: str) -> Principal | None:
    """The token's principal if its signature and claims are valid (expiry checked by caller).

    Cached: every request of a session carries the same token, and verifying it is the
    costliest step of authentication. Revocation is checked apart (`_is_revoked`).
    """
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            options={"require": ["sub", "exp", "iat", "jti"], "verify_exp": False},
        )
        return Principal(
            user_id=uuid.UUID(str(claims["sub"])),
            jti=str(claims["jti"]),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        )
    except (jwt.PyJWTError, ValueError, TypeError, OverflowError):
        return None


async def decode_token(token: str, *, secret: str, redis: aioredis.Redis) -> Principal:
    principal = _verified(token, secret)
    if principal is None:
        raise unauthorized("The access token is not valid: sign in again")
    if principal.expires_at <= datetime.now(UTC):
        raise unauthorized("Your session has expired: sign in again")
    if await _is_revoked(principal.jti, redis):
        raise unauthorized("This access token was signed out: sign in again")
    return principal


async def revoke(principal: Principal, *, redis: aioredis.Redis) -> None:
    """Refuse the token's `jti` from now until the token would have expired anyway."""
    ttl = int((principal.expires_at - datetime.now(UTC)).total_seconds()) + 1
    if ttl > 0:
        async with redis.pipeline(transaction=True) as pipe:
            pipe.set(_revoked_key(principal.jti), "1", ex=ttl)
            pipe.zrem(_sessions_key(principal.user_id), principal.jti)
            await pipe.execute()
    _not_revoked_until.pop(principal.jti, None)


def email_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()[:32]


# Every sign-in's `jti` is remembered per user (a sorted set scored by expiry), so that signing
# out everywhere, or changing the password, can revoke each of them like a sign-out would.
def _sessions_key(user_id: uuid.UUID) -> str:
    return f"taskflow:sessions:{user_id}"


async def remember_session(
    redis: aioredis.Redis, *, user_id: uuid.UUID, issued: IssuedToken
) -> None:
    """Record a new sign-in of the user (forgetting the ones that expired meanwhile)."""
    now = int(time.time())
    key = _sessions_key(user_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.zremrangebyscore(key, "-inf", now)
        pipe.zadd(key, {issued.jti: now + issued.expires_in})
        pipe.expire(key, issued.expires_in + 60)
        await pipe.execute()


async def revoke_sessions(
    redis: aioredis.Redis, *, user_id: uuid.UUID, keep: str | None = None
) -> int:
    """Sign out every live sign-in of the user but `keep` (a `jti`); how many were signed out."""
    now = int(time.time())
    key = _sessions_key(user_id)
    sessions = await redis.zrangebyscore(key, now, "+inf", withscores=True)
    revoked = 0
    async with redis.pipeline(transaction=True) as pipe:
        for raw, expires in sessions:
            jti = raw.decode() if isinstance(raw, bytes) else str(raw)
            if jti == keep:
                continue
            pipe.set(_revoked_key(jti), "1", ex=max(int(expires) - now, 0) + 1)
            pipe.zrem(key, jti)
            _not_revoked_until.pop(jti, None)
            revoked += 1
        await pipe.execute()
    return revoked

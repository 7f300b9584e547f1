"""Token revocation is cached per process for at most REVOCATION_RECHECK_SECONDS."""

from __future__ import annotations

import asyncio

import jwt

from backend.platform import auth


async def test_a_sign_out_by_another_process_is_honoured_within_the_recheck_time(
    client, alice, redis
):
    me = await client.get("/api/v1/auth/me", headers=alice.headers)
    assert me.status_code == 200  # this process now trusts the token for a moment
    # Another api process signs the token out: it only writes to the shared Redis.
    jti = jwt.decode(alice.token, options={"verify_signature": False})["jti"]
    await redis.set(f"taskflow:revoked:{jti}", "1", ex=60)
    await asyncio.sleep(auth.REVOCATION_RECHECK_SECONDS + 0.1)
    after = await client.get("/api/v1/auth/me", headers=alice.headers)
    assert after.status_code == 401
    assert "signed out" in after.json()["detail"]

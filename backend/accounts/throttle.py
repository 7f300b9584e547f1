"""How often one client address may sign up, and how many failed sign-ins an attacker gets.

Each attempt is charged *before* the slow password hash, in one Lua script over every counter
it counts against (lua/charge.lua): forty parallel guesses cannot all read "4 failures so far"
and all get their hash checked, as they did when the count was read before the hash and
written after it. A successful sign-in gives its charge back.

Failed sign-ins count against three limits, so that an attacker is slowed without the owner
being locked out of their own account:

- per account *and* client address: one address guessing one account's password
  (`LOGIN_FAILURES_PER_ACCOUNT_ADDRESS`, default 5 per 15 minutes). Someone else's guessing
  from another address never refuses the owner's correct password from theirs.
- per client address, whatever the account (`LOGIN_FAILURES_PER_ADDRESS`, default 20): one
  address trying many accounts (credential stuffing).
- per account from addresses it has never signed in from (`LOGIN_FAILURES_PER_ACCOUNT`,
  default 50): many addresses guessing one account. An address the account signed in from in
  the last 30 days is not held back by it, so the owner can still sign in during such an attack.

Sign-ups are counted per client address (`SIGNUPS_PER_ADDRESS_PER_HOUR`, default 10).

The client address is the one uvicorn reports: behind a proxy, only when the proxy is listed
in `FORWARDED_ALLOW_IPS` is it the forwarded client's rather than the proxy's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import redis.asyncio as aioredis

from backend.platform.auth import email_key
from backend.platform.errors import Problem

LOGIN_WINDOW_SECONDS = 15 * 60
SIGNUP_WINDOW_SECONDS = 60 * 60
KNOWN_ADDRESS_SECONDS = 30 * 24 * 60 * 60
_PREFIX = "taskflow:throttle"
_CHARGE = (Path(__file__).parent / "lua" / "charge.lua").read_text()


@dataclass(frozen=True, slots=True)
class Limits:
    per_account_address: int = 5
    per_address: int = 20
    per_account: int = 50
    signups_per_hour: int = 10


async def _charge(
    redis: aioredis.Redis, counters: dict[str, int], *, window: int
) -> tuple[int, int]:
    charge = redis.register_script(_CHARGE)  # EVALSHA, the script sent once per server
    refused, ttl = await charge(keys=list(counters), args=[window, *counters.values()])
    return int(refused), int(ttl)


def _too_many(message: str, ttl: int) -> Problem:
    retry_after = max(ttl, 1)
    return Problem(
        429,
        f"{message}: try again in {retry_after} seconds",
        headers={"Retry-After": str(retry_after)},
    )


@dataclass(frozen=True, slots=True)
class LoginAttempt:
    """One sign-in attempt, charged to its counters until `succeeded` gives the charge back."""

    redis: aioredis.Redis
    charged: tuple[str, ...]
    known_key: str

    async def succeeded(self) -> None:
        """The password was right: this address's failures on the account are forgiven, the
        attempt is not charged to the wider counters, and the address is known from now on."""
        pair_key, *wider = self.charged
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(pair_key)
            for key in wider:
                pipe.decr(key)
            pipe.set(self.known_key, 1, ex=KNOWN_ADDRESS_SECONDS)
            await pipe.execute()


async def begin_login(
    redis: aioredis.Redis, *, email: str, address: str, limits: Limits
) -> LoginAttempt:
    """Charge a sign-in attempt; 429 with Retry-After when one of its limits is reached."""
    account = email_key(email)
    pair_key = f"{_PREFIX}:login:pair:{account}:{address}"
    address_key = f"{_PREFIX}:login:address:{address}"
    account_key = f"{_PREFIX}:login:account:{account}"
    known_key = f"{_PREFIX}:login:known:{account}:{address}"
    counters = {pair_key: limits.per_account_address, address_key: limits.per_address}
    if not await redis.exists(known_key):
        counters[account_key] = limits.per_account
    refused, ttl = await _charge(redis, counters, window=LOGIN_WINDOW_SECONDS)
    if refused:
        what = {
            pair_key: "Too many failed sign-ins for this email",
            address_key: "Too many failed sign-ins from your network",
            account_key: "Too many failed sign-ins for this email from new places",
        }[list(counters)[refused - 1]]
        raise _too_many(what, ttl)
    return LoginAttempt(redis=redis, charged=tuple(counters), known_key=known_key)


async def charge_signup(redis: aioredis.Redis, *, address: str, limits: Limits) -> None:
    """Count a sign-up from `address`; 429 with Retry-After past the hourly limit."""
    key = f"{_PREFIX}:signup:{address}"
    refused, ttl = await _charge(
        redis, {key: limits.signups_per_hour}, window=SIGNUP_WINDOW_SECONDS
    )
    if refused:
        raise _too_many("Too many new accounts from your network", ttl)

"""Who is streaming: a session cookie, a Bearer token (a sign-in's or a personal access
token), or a single-use stream ticket.

Browsers' EventSource cannot send headers, and a long-lived token must never sit in a URL
(logs, history, Referer), so the web app uses its HttpOnly cookie, and other clients may
trade their token for a ticket that works once, within seconds. A ticket carries the sign-in
it was bought with (its `jti` and expiry), so its stream ends with that sign-in (workers.py).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime

from fastapi import Request

from backend.platform.auth import Principal, unauthorized
from backend.platform.deps import get_principal, signed_out
from backend.platform.runtime import Runtime

_TICKET_MAX_LENGTH = 128


def _ticket_key(ticket: str) -> str:
    # Only a hash is stored: a Redis dump never holds a usable ticket.
    return "taskflow:notify:ticket:" + hashlib.sha256(ticket.encode()).hexdigest()


async def issue_ticket(*, runtime: Runtime, principal: Principal, seconds: int) -> str:
    """A new single-use ticket for `principal`'s sign-in, valid for `seconds`."""
    ticket = secrets.token_urlsafe(32)
    expires = int(principal.expires_at.timestamp())
    value = f"{principal.user_id} {principal.jti} {expires}"
    await runtime.redis.set(_ticket_key(ticket), value, ex=seconds)
    return ticket


async def redeem_ticket(*, runtime: Runtime, ticket: str) -> Principal:
    """The sign-in the ticket was issued for, consuming it (GETDEL); 401 if unknown, used or
    expired."""
    if not ticket or len(ticket) > _TICKET_MAX_LENGTH:
        raise unauthorized("The stream ticket is not valid: request a new one")
    value = await runtime.redis.getdel(_ticket_key(ticket))
    if value is None:
        raise unauthorized("The stream ticket was already used or has expired: request a new one")
    try:
        user_id, jti, expires = str(value).split(" ")
        principal = Principal(
            user_id=uuid.UUID(user_id),
            jti=jti,
            expires_at=datetime.fromtimestamp(int(expires), UTC),
        )
    except ValueError:
        raise unauthorized("The stream ticket is not valid: request a new one") from None
    if principal.expires_at <= datetime.now(UTC):
        raise unauthorized("Your session has expired: sign in again")
    if await signed_out([principal], runtime):
        raise unauthorized("The sign-in this ticket was issued for was signed out: sign in again")
    return principal


async def stream_principal(*, request: Request, runtime: Runtime) -> Principal:
    """Who is streaming, from `?ticket=`, else the Bearer header, else the cookie (the header
    and cookie as every other route reads them)."""
    ticket = request.query_params.get("ticket")
    if ticket is not None:
        return await redeem_ticket(runtime=runtime, ticket=ticket)
    return await get_principal(request, runtime)

"""Who is streaming: a session cookie, a Bearer token (a sign-in's or a personal access
token), or a single-use stream ticket.

Browsers' EventSource cannot send headers, and a long-lived token must never sit in a URL
(logs, history, Referer), so the web app uses its HttpOnly cookie, and other clients may
trade their token for a ticket that works once, within seconds.
"""

from __future__ import annotations

import hashlib
import secrets

from fastapi import Request

from backend.platform.auth import unauthorized
from backend.platform.deps import get_principal
from backend.platform.runtime import Runtime

_TICKET_MAX_LENGTH = 128


def _ticket_key(ticket: str) -> str:
    # Only a hash is stored: a Redis dump never holds a usable ticket.
    return "taskflow:notify:ticket:" + hashlib.sha256(ticket.encode()).hexdigest()


async def issue_ticket(*, runtime: Runtime, user_id: str, seconds: int) -> str:
    """A new single-use ticket for `user_id`, valid for `seconds`."""
    ticket = secrets.token_urlsafe(32)
    await runtime.redis.set(_ticket_key(ticket), user_id, ex=seconds)
    return ticket


async def redeem_ticket(*, runtime: Runtime, ticket: str) -> str:
    """The ticket's user id, consuming it (GETDEL); 401 if unknown, used or expired."""
    if not ticket or len(ticket) > _TICKET_MAX_LENGTH:
        raise unauthorized("The stream ticket is not valid: request a new one")
    user_id = await runtime.redis.getdel(_ticket_key(ticket))
    if user_id is None:
        raise unauthorized("The stream ticket was already used or has expired: request a new one")
    return str(user_id)


async def stream_user(*, request: Request, runtime: Runtime) -> str:
    """The streaming user's id, from `?ticket=`, else the Bearer header, else the cookie (the
    header and cookie as every other route reads them)."""
    ticket = request.query_params.get("ticket")
    if ticket is not None:
        return await redeem_ticket(runtime=runtime, ticket=ticket)
    return str((await get_principal(request, runtime)).user_id)

"""Personal access tokens: long-lived, revocable API tokens, stored only as their SHA-256.

A token is `tf_pat_` and 32 random bytes (URL-safe base64); the prefix tells `get_principal`
to look it up here instead of verifying a JWT. A token authenticates as a `Principal` whose
`jti` is `pat:<token id>`.
"""

from __future__ import annotations

import hashlib
import secrets
import time
import uuid
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from backend.accounts.models import PersonalAccessToken
from backend.platform.auth import Principal, unauthorized
from backend.platform.db import utcnow
from backend.platform.errors import not_found

TOKEN_PREFIX = "tf_pat_"
JTI_PREFIX = "pat:"
SHOWN_PREFIX_LENGTH = len(TOKEN_PREFIX) + 6
NEVER = datetime(9999, 12, 31, tzinfo=UTC)
"""The `expires_at` of a principal whose token has no expiry."""

# Like JWT revocation (auth.REVOCATION_RECHECK_SECONDS): a process trusts a token it looked up
# for this long, so a busy client costs one query per second, not one per request. A revoked
# token is refused at once by the process that revoked it, within this long by the others.
RECHECK_SECONDS = 1.0
_known: dict[bytes, tuple[Principal, float]] = {}

# One statement, outside any transaction: the token's row, and `last_used_at` moved forward
# when it is more than a minute old (so a busy token writes at most once a minute).
_LOOKUP = """
WITH hit AS (
    SELECT id, user_id, expires_at, last_used_at
    FROM personal_access_tokens WHERE token_hash = $1
), touched AS (
    UPDATE personal_access_tokens AS t SET last_used_at = now()
    FROM hit
    WHERE t.id = hit.id
      AND (hit.expires_at IS NULL OR hit.expires_at > now())
      AND (hit.last_used_at IS NULL OR hit.last_used_at < now() - interval '1 minute')
)
SELECT id, user_id, expires_at FROM hit
"""


def is_personal_token(token: str) -> bool:
    return token.startswith(TOKEN_PREFIX)


def is_personal_principal(principal: Principal) -> bool:
    """Whether the caller authenticated with a personal access token (not a sign-in)."""
    return principal.jti.startswith(JTI_PREFIX)


def token_id(principal: Principal) -> uuid.UUID:
    """The id of the personal access token a principal authenticated with."""
    return uuid.UUID(principal.jti.removeprefix(JTI_PREFIX))


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


async def create_token(
    session: AsyncSession, *, user_id: uuid.UUID, name: str, expires_in_days: int | None
) -> tuple[PersonalAccessToken, str]:
    """A new token row and the token itself, which is never stored and never shown again."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = PersonalAccessToken(
        id=uuid.uuid4(),
        user_id=user_id,
        name=name,
        prefix=token[:SHOWN_PREFIX_LENGTH],
        token_hash=token_digest(token),
        created_at=now,
        last_used_at=None,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    session.add(row)
    await session.flush()
    return row, token


async def list_tokens(
    session: AsyncSession, *, user_id: uuid.UUID
) -> Sequence[PersonalAccessToken]:
    return (
        await session.scalars(
            select(PersonalAccessToken)
            .where(PersonalAccessToken.user_id == user_id)
            .order_by(PersonalAccessToken.created_at.desc(), PersonalAccessToken.id)
        )
    ).all()


async def revoke_token(session: AsyncSession, *, user_id: uuid.UUID, token_id: uuid.UUID) -> None:
    """Delete the token; another user's token answers 404, as a missing one does."""
    deleted = await session.scalar(
        delete(PersonalAccessToken)
        .where(PersonalAccessToken.id == token_id, PersonalAccessToken.user_id == user_id)
        .returning(PersonalAccessToken.id)
    )
    if deleted is None:
        raise not_found("Personal access token")
    jti = JTI_PREFIX + str(token_id)
    for digest in [d for d, (p, _) in _known.items() if p.jti == jti]:
        _known.pop(digest, None)


async def authenticate(token: str, *, engine: AsyncEngine) -> Principal:
    """The principal of a personal access token; 401 when unknown, revoked or expired."""
    digest = token_digest(token)
    now = time.monotonic()
    cached = _known.get(digest)
    if cached is not None and cached[1] > now:
        principal = cached[0]
    else:
        principal = await _lookup(engine, digest)
        if principal is None:
            _known.pop(digest, None)
            raise unauthorized(
                "This personal access token is not valid or was revoked: create a new one"
            )
        if len(_known) >= 10_000:
            _known.clear()
        _known[digest] = (principal, now + RECHECK_SECONDS)
    if principal.expires_at <= datetime.now(UTC):
        raise unauthorized(
            f"This personal access token expired on {principal.expires_at:%Y-%m-%d}: "
            "create a new one"
        )
    return principal


async def revoked_among(jtis: Collection[str], *, engine: AsyncEngine) -> set[str]:
    """Which of these personal tokens' `jti`s (`pat:<id>`) name a token that no longer
    exists (revoked), in one query."""
    ids = {jti: uuid.UUID(jti.removeprefix(JTI_PREFIX)) for jti in jtis}
    if not ids:
        return set()
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        rows = await raw.driver_connection.fetch(
            "SELECT id FROM personal_access_tokens WHERE id = ANY($1::uuid[])", list(ids.values())
        )
    live = {row["id"] for row in rows}
    return {jti for jti, token_id in ids.items() if token_id not in live}


async def _lookup(engine: AsyncEngine, digest: bytes) -> Principal | None:
    async with engine.connect() as connection:
        raw = await connection.get_raw_connection()
        row = await raw.driver_connection.fetchrow(_LOOKUP, digest)
    if row is None:
        return None
    return Principal(
        user_id=uuid.UUID(str(row["user_id"])),
        jti=JTI_PREFIX + str(row["id"]),
        expires_at=row["expires_at"] or NEVER,
    )


async def revoke_all_tokens(session: AsyncSession, *, user_id: uuid.UUID) -> int:
    """Delete every token of the user; how many there were."""
    deleted = (
        await session.scalars(
            delete(PersonalAccessToken)
            .where(PersonalAccessToken.user_id == user_id)
            .returning(PersonalAccessToken.id)
        )
    ).all()
    jtis = {JTI_PREFIX + str(token_id) for token_id in deleted}
    for digest in [d for d, (p, _) in _known.items() if p.jti in jtis]:
        _known.pop(digest, None)
    return len(deleted)

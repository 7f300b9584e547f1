"""Request and response shapes of the accounts API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, EmailStr, Field, field_validator

from backend.platform.text import Text, text, whole_number
from backend.tasks.schemas import Zone, check_timezone

Name = text(strip_whitespace=True, min_length=1, max_length=200)
ExpiresInDays = whole_number(ge=1, le=3650)
TokenName = text(strip_whitespace=True, min_length=1, max_length=100)


class UserRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    email: str
    name: str
    timezone: str


class SignupIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: EmailStr = Field(max_length=320)
    password: Text = Field(min_length=8, max_length=256)
    name: Name
    timezone: Zone = "UTC"

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return check_timezone(value)


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Text = Field(min_length=1, max_length=320)
    password: Text = Field(min_length=1, max_length=256)


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = None
    timezone: Zone | None = None

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        return None if value is None else check_timezone(value)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
    user: UserRead


class PersonalTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: TokenName
    expires_in_days: ExpiresInDays | None = None
    """Days until the token stops working; omitted or null: it works until revoked."""


class PersonalTokenRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    prefix: str
    """The token's first characters, to recognise it; never the token itself."""
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None


class PersonalTokenCreated(PersonalTokenRead):
    token: str
    """The token, shown this once: only its hash is stored."""


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=8, max_length=256)


class AccountDelete(BaseModel):
    model_config = ConfigDict(extra="forbid")

    password: str = Field(min_length=1, max_length=256)
    """The account's password, to confirm: deleting cannot be undone."""


class SignedOut(BaseModel):
    sessions: int
    """Sign-ins signed out (on every device and browser)."""
    tokens: int
    """Personal access tokens revoked."""

"""Typed configuration, read once from the environment (and `.env`)."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Annotated, Literal

import platformdirs
from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

ServiceName = Literal["api", "recurring", "reminder", "notification", "audit"]
SERVICE_PORTS: dict[str, int] = {
    "api": 8000,
    "recurring": 8001,
    "reminder": 8002,
    "notification": 8003,
    "audit": 8004,
}


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir("taskflow", appauthor=False))


class Settings(BaseSettings):
    """Every knob TaskFlow reads. Environment variable names are the field names upper-cased."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    database_url: str | None = None
    redis_url: str | None = None
    jwt_secret: SecretStr | None = None
    access_token_minutes: int = Field(default=1440, ge=1, le=60 * 24 * 30)

    event_transport: Literal["local", "dapr"] = "local"
    dapr_http_port: int = 3500
    dapr_grpc_port: int = 50001
    dapr_api_token: SecretStr | None = None
    app_api_token: SecretStr | None = None
    pubsub_name: str = "taskflow-pubsub"
    internal_secret: SecretStr | None = None

    anthropic_api_key: SecretStr | None = None
    anthropic_model: str = "claude-sonnet-5-5"
    anthropic_base_url: str | None = None
    """Another address for the Messages API (a proxy or gateway); default Anthropic's."""
    anthropic_timeout_seconds: float = Field(default=60.0, gt=0, le=600)
    anthropic_max_retries: int = Field(default=2, ge=0, le=10)
    chat_max_steps: int = Field(default=8, ge=1, le=32)
    """Model calls one chat message may take (each tool round is one more)."""
    chat_messages_per_minute: int = Field(default=20, ge=1)

    otel_exporter_otlp_endpoint: str | None = None
    otel_service_name: str | None = None

    cors_origins: Annotated[list[str], NoDecode] = []
    log_level: str = "INFO"
    log_format: Literal["console", "json"] = "console"

    data_dir: Path = Field(default_factory=default_data_dir)
    web_dist: Path | None = None
    """The built web app to serve at / (default: frontend/dist of the source tree)."""
    embedded: bool = False
    db_pool_size: int = Field(default=20, ge=1, le=200)
    cookie_secure: bool = False
    import_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=200 * 1024 * 1024)
    """The largest file `POST /api/v1/import/...` takes (other requests: 1 MiB)."""

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split_origins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @cached_property
    def jwt_key(self) -> str:
        if self.jwt_secret is None:
            raise ConfigError("JWT_SECRET is not set: set it to a long random string")
        return self.jwt_secret.get_secret_value()

    def require_service_secrets(self) -> None:
        """Service mode refuses to start with a missing or weak signing secret."""
        if self.jwt_secret is None:
            raise ConfigError(
                "JWT_SECRET is not set: service mode needs one "
                "(e.g. JWT_SECRET=$(python -c 'import secrets; print(secrets.token_urlsafe(48))'))"
            )
        if len(self.jwt_secret.get_secret_value()) < 32:
            raise ConfigError("JWT_SECRET is too short: use at least 32 characters")
        if self.database_url is None:
            raise ConfigError("DATABASE_URL is not set: service mode needs a PostgreSQL URL")
        if self.redis_url is None:
            raise ConfigError("REDIS_URL is not set: service mode needs a Redis URL")


class ConfigError(Exception):
    """A configuration problem a person can fix; its message is one actionable line."""


def asyncpg_dsn(database_url: str) -> str:
    """The URL in the form asyncpg takes (no SQLAlchemy driver suffix)."""
    for prefix in ("postgresql+asyncpg://", "postgres+asyncpg://", "postgres://"):
        if database_url.startswith(prefix):
            return "postgresql://" + database_url[len(prefix) :]
    return database_url


def sqlalchemy_url(database_url: str) -> str:
    """The URL in the form SQLAlchemy's asyncpg dialect takes."""
    return "postgresql+asyncpg://" + asyncpg_dsn(database_url)[len("postgresql://") :]

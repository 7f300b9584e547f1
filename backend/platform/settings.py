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
    """Authenticates the api's internal endpoints (`X-Internal-Token`); distinct from
    APP_API_TOKEN, which every sidecar adds to every call it makes to its app."""
    audit_chain_key: SecretStr | None = None
    """The HMAC key of the audit chain; never stored in the database (docs/audit.md)."""

    anthropic_api_key: SecretStr | None = None
    anthropic_model: str = "claude-sonnet-5-5"
    anthropic_base_url: str | None = None
    """Another address for the Messages API (a proxy or gateway); default Anthropic's."""
    anthropic_timeout_seconds: float = Field(default=60.0, gt=0, le=600)
    anthropic_max_retries: int = Field(default=2, ge=0, le=10)
    chat_max_steps: int = Field(default=8, ge=1, le=32)
    """Model calls one chat message may take (each tool round is one more)."""
    chat_messages_per_minute: int = Field(default=20, ge=1)

    login_failures_per_account_address: int = Field(default=5, ge=1)
    """Failed sign-ins one client address may make on one account per 15 minutes."""
    login_failures_per_address: int = Field(default=20, ge=1)
    """Failed sign-ins one client address may make per 15 minutes, whatever the account."""
    login_failures_per_account: int = Field(default=50, ge=1)
    """Failed sign-ins on one account per 15 minutes from addresses it never signed in from."""
    signups_per_address_per_hour: int = Field(default=10, ge=1)

    otel_exporter_otlp_endpoint: str | None = None
    otel_service_name: str | None = None

    cors_origins: Annotated[list[str], NoDecode] = []
    log_level: str = "INFO"
    log_format: Literal["console", "json"] = "console"
    access_log: bool | None = None
    """One structured line per request; default: on with LOG_FORMAT=json, off on a console."""

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

    @field_validator("cors_origins")
    @classmethod
    def _no_wildcard(cls, value: list[str]) -> list[str]:
        if "*" in value:
            raise ValueError(
                "'*' cannot be used: the API answers with credentials (the session cookie), "
                "so list each origin (e.g. CORS_ORIGINS=https://tasks.example.org)"
            )
        return value

    @cached_property
    def trusted_origins(self) -> frozenset[str]:
        """CORS_ORIGINS, normalised: the other origins that may send the session cookie."""
        return frozenset(origin.rstrip("/").lower() for origin in self.cors_origins)

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        level = value.upper()
        if level not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
            raise ValueError("LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL")
        return level

    @property
    def access_log_on(self) -> bool:
        return self.log_format == "json" if self.access_log is None else self.access_log

    @cached_property
    def jwt_key(self) -> str:
        if self.jwt_secret is None:
            raise ConfigError("JWT_SECRET is not set: set it to a long random string")
        return self.jwt_secret.get_secret_value()

    def require_service_secrets(self, service: str | None = None) -> None:
        """Service mode refuses to start with a missing or weak secret (one line: which)."""
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
        app_token = _require_token(
            "APP_API_TOKEN",
            self.app_api_token,
            "the token the Dapr sidecar sends with every call to the app "
            "(dapr.io/app-token-secret); without it anyone who reaches the port can post events",
        )
        if service in ("api", "recurring"):
            internal = _require_token(
                "INTERNAL_SECRET",
                self.internal_secret,
                "the token of the api's internal endpoint, shared by the api and recurring",
            )
            if internal == app_token:
                raise ConfigError(
                    "INTERNAL_SECRET equals APP_API_TOKEN: give the internal endpoint a secret "
                    "of its own (every sidecar holds the app token)"
                )
        if service == "audit":
            _require_token(
                "AUDIT_CHAIN_KEY", self.audit_chain_key, "the HMAC key of the audit chain"
            )


def _require_token(name: str, value: SecretStr | None, purpose: str) -> str:
    """The secret's value; a ConfigError (one line) if it is missing or short."""
    if value is None:
        raise ConfigError(
            f"{name} is not set: service mode needs {purpose} "
            f"(e.g. {name}=$(python -c 'import secrets; print(secrets.token_urlsafe(48))'))"
        )
    if len(value.get_secret_value()) < 32:
        raise ConfigError(f"{name} is too short: use at least 32 random characters")
    return value.get_secret_value()


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

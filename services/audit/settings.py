"""Settings of the audit service (beyond the shared ones); environment names upper-cased."""

from __future__ import annotations

from pydantic import Field

from backend.platform.runtime import Runtime
from backend.platform.settings import ConfigError, Settings


class AuditSettings(Settings):
    audit_flush_size: int = Field(default=100, ge=1, le=100_000)
    """A batch is written as soon as this many events wait."""
    audit_flush_interval_seconds: float = Field(default=1.0, gt=0, le=60)
    """…or when the oldest waiting event has waited this long."""
    audit_flush_idle_seconds: float = Field(default=0.02, ge=0, le=60)
    """…or when no event arrived for this long (0 turns it off): a transport that delivers
    one event at a time per partition waits for our acknowledgement before sending the next,
    so holding its lone event for the full interval would cap it at one event per second."""
    audit_max_batch: int = Field(default=5000, ge=1, le=100_000)
    """The most events one transaction writes (under load batches grow up to this)."""
    audit_partitions_ahead: int = Field(default=3, ge=1, le=24)
    """Monthly partitions kept created beyond the current month."""


def load_settings(runtime: Runtime) -> AuditSettings:
    """The process's settings with the audit knobs (read from the environment if needed)."""
    settings = runtime.settings
    if isinstance(settings, AuditSettings):
        return settings
    cached = getattr(runtime, "_audit_settings", None)
    if cached is None:
        cached = AuditSettings(**settings.model_dump())
        runtime._audit_settings = cached  # read once per process
    return cached


def chain_key(settings: Settings) -> bytes:
    """The audit chain's HMAC key (AUDIT_CHAIN_KEY): from the settings, never the database."""
    if settings.audit_chain_key is None:
        raise ConfigError(
            "AUDIT_CHAIN_KEY is not set: the audit service signs its chain with it "
            "(taskflow up generates one into its data directory)"
        )
    return settings.audit_chain_key.get_secret_value().encode()

"""Alembic migrations; `upgrade()` is what `taskflow db upgrade` and `taskflow up` call."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

HERE = Path(__file__).resolve().parent


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("path_separator", "os")
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "heads") -> None:
    """Bring the schema to `revision` (blocking; run it outside the event loop)."""
    command.upgrade(alembic_config(database_url), revision)

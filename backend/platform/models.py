"""Imports every module that declares tables, so `Base.metadata` knows them all."""

from __future__ import annotations

import importlib

MODEL_MODULES = (
    "backend.accounts.models",
    "backend.tags.models",
    "backend.tasks.models",
    "backend.assistant.models",
    "backend.portability.models",
    "backend.platform.events.outbox",
    "services.audit.models",
)


def import_all_models() -> None:
    for module in MODEL_MODULES:
        importlib.import_module(module)

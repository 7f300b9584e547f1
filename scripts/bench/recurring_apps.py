"""The server `scripts/bench/recurring.py` drives: api + recurring, events in-process."""

from __future__ import annotations


def embedded_app():
    from backend.app import create_app, load_services
    from backend.platform.settings import Settings

    return create_app(Settings(), load_services(["api", "recurring"]), name="api+recurring")

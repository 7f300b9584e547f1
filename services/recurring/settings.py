"""Settings of the recurring service (beyond the shared ones)."""

from __future__ import annotations

from backend.platform.settings import Settings


class RecurringSettings(Settings):
    api_app_id: str = "api"
    """The Dapr app id of the api, whose internal endpoint creates occurrences."""

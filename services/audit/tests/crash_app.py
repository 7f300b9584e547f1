"""The audit service alone (local transport: its own relay and delivery workers), for the crash
test. Settings, including AUDIT_*, come from the environment.

    python -m services.audit.tests.crash_app PORT
"""

from __future__ import annotations

import sys

import uvicorn

from backend.app import create_app, load_services
from backend.platform.settings import Settings


def main() -> None:
    app = create_app(Settings(), load_services(["audit"]), name="audit")
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")


if __name__ == "__main__":
    main()

"""Loads the shared fixtures for every test folder (backend/tests, services/*/tests, tests/)."""

pytest_plugins = ("backend.testing.fixtures", "backend.testing.real_dapr")

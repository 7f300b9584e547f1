"""The API keeps its OpenAPI contract: schemathesis with every check on (`--checks all`), a
fixed seed and a time budget, against every service in one real server. Zero failures.

A check switched off (or widened) for one operation says why in EXCEPTIONS; nothing else is
left out. The run prints schemathesis's own report when it fails."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from backend.app import create_app, load_services
from backend.testing.fixtures import make_settings
from backend.testing.live import serve

pytestmark = pytest.mark.slow

SEED = 18
MAX_EXAMPLES = 25
TIME_BUDGET_SECONDS = int(os.environ.get("TASKFLOW_CONTRACT_SECONDS", "150"))
"""The whole run's budget (both tests): schemathesis repeats fuzzing and stateful testing
until it is spent; the examples come in the seed's order, so a faster machine tries more."""
SEPARATE_SECONDS = 15
"""For each of the two operations run on their own (sign-out, the chat)."""
SERVICES = ["api", "recurring", "reminder", "notification", "audit"]
SCHEMATHESIS = Path(sys.executable).with_name("st")

ACCEPTED = ["2xx", "3xx", "401", "403", "404", "409", "429", "5xx"]
"""What schemathesis accepts by default for a request that fits the schema."""
CURSOR = (
    "cursor is an opaque string the API hands out: a random one fits the schema and is "
    "refused with 400 ('not a cursor this API returned'), as it must be"
)
MOMENTS = (
    "moments are date-times in the years 1900-2999 (a moment near 9999 overflows in a +14:00 "
    "zone): OpenAPI's date-time format cannot say so, and 0001-01-01T00:00:00Z is a 422"
)
TASK_BODY = (
    "a task body has rules across fields that JSON Schema does not carry: a reminder has "
    "offset_minutes or at (not both, not neither), offset reminders and recurrence from the "
    "due date need a due_at, an rrule must be RFC 5545 (FREQ=...;...), and moments are in "
    "the years 1900-2999: each is a 422 naming the field"
)
IF_MATCH = (
    "If-Match is any non-empty string by HTTP's grammar; one that names another version is "
    "refused with 412 Precondition Failed, which is what If-Match is for"
)


NO_MODEL = (
    "no model is configured in this run (the chat tests replay recorded answers), so the chat "
    "answers its documented 503 'Assistant not configured'"
)


def widened(*extra: str) -> str:
    statuses = ", ".join(f'"{s}"' for s in [*ACCEPTED, *extra])
    return f"expected-statuses = [{statuses}]"


# (operation, check, its setting for that operation, why)
IMPORTED_FILE = (
    "the body is a file (a TaskFlow export, a Todoist CSV) whose content JSON Schema cannot "
    "describe beyond 'a string': a random string fits the schema and is refused as not that "
    "file (400 unreadable, 422 not an export of the right kind)"
)

EXCEPTIONS: list[tuple[str, str, str, str]] = [
    ("POST /api/v1/import/json", "positive_data_acceptance", widened("400", "422"), IMPORTED_FILE),
    (
        "POST /api/v1/import/todoist",
        "positive_data_acceptance",
        widened("400", "422"),
        IMPORTED_FILE,
    ),
    (
        "GET /api/v1/tasks",
        "positive_data_acceptance",
        widened("400", "422"),
        f"{CURSOR}; {MOMENTS}",
    ),
    ("GET /api/v1/tags", "positive_data_acceptance", widened("400"), CURSOR),
    (
        "GET /api/v1/audit",
        "positive_data_acceptance",
        widened("400", "422"),
        f"{CURSOR}; {MOMENTS}",
    ),
    ("GET /api/v1/audit/tasks/{task_id}", "positive_data_acceptance", widened("400"), CURSOR),
    ("POST /api/v1/tasks", "positive_data_acceptance", widened("422"), TASK_BODY),
    (
        "PUT /api/v1/tasks/{task_id}",
        "positive_data_acceptance",
        widened("412", "422"),
        f"{TASK_BODY}; {IF_MATCH}",
    ),
    (
        "PATCH /api/v1/tasks/{task_id}",
        "positive_data_acceptance",
        widened("412", "422"),
        f"{TASK_BODY}; {IF_MATCH}",
    ),
    ("DELETE /api/v1/tasks/{task_id}", "positive_data_acceptance", widened("412"), IF_MATCH),
    ("POST /api/v1/tasks/{task_id}/complete", "positive_data_acceptance", widened("412"), IF_MATCH),
    ("POST /api/v1/tasks/{task_id}/reopen", "positive_data_acceptance", widened("412"), IF_MATCH),
    ("POST /api/v1/chat", "positive_data_acceptance", widened("503"), NO_MODEL),
    (
        "POST /api/v1/auth/signup",
        "positive_data_acceptance",
        widened("422"),
        "OpenAPI's email format is the address grammar; signing up also refuses special-use "
        "domains that cannot receive mail (x@example.test, x@host.localhost): a 422 naming email",
    ),
]


def config_toml() -> str:
    lines = [f"seed = {SEED}", ""]
    lines += ["[generation]", f"max-examples = {MAX_EXAMPLES}", ""]
    by_operation: dict[str, list[tuple[str, str, str]]] = {}
    for operation, check, setting, why in EXCEPTIONS:
        by_operation.setdefault(operation, []).append((check, setting, why))
    for operation, settings in by_operation.items():  # one entry per operation: they merge
        lines += ["[[operations]]", f'include-name = "{operation}"']
        for check, setting, why in settings:
            lines += [f"# {why}", f"checks.{check}.{setting}"]
        lines.append("")
    return "\n".join(lines)


@pytest.fixture(scope="module")
def live_url(database_url, redis_url):
    settings = make_settings(database_url, redis_url)
    app = create_app(settings, load_services(SERVICES), name="taskflow")
    with serve(app) as url:
        yield url


def token(url: str) -> str:
    """A new account's access token."""
    email = f"contract-{secrets.token_hex(6)}@example.com"
    body = {"email": email, "password": "correct horse battery", "name": "Contract"}
    answer = httpx.post(f"{url}/api/v1/auth/signup", json=body, timeout=30)
    assert answer.status_code == 201, answer.text
    return answer.json()["access_token"]


ENDS_ITS_SIGN_IN = (
    "POST /api/v1/auth/logout",
    "DELETE /api/v1/auth/sessions",
    "POST /api/v1/auth/me/delete",
)
"""Operations that revoke the token the run sends: in the main run they would sign it out."""


def run_schemathesis(
    url: str, tmp_path: Path, *args: str, seconds: int
) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "schemathesis.toml"
    config.write_text(config_toml())
    command = [
        str(SCHEMATHESIS),
        "--config-file",
        str(config),
        "run",
        f"{url}/openapi.json",
        "--checks",
        "all",
        "--workers",
        "2",
        "--generation-database",
        "none",
        "--no-color",
        "--output-truncate",
        "true",
        "--max-time",
        str(seconds),
        *args,
    ]
    return subprocess.run(
        command,
        capture_output=True,
        text=True,
        timeout=seconds + 120,
        cwd=tmp_path,
    )


def test_every_operation_keeps_its_contract(live_url, tmp_path):
    """Every operation but the two below, with one account's token."""
    result = run_schemathesis(
        live_url,
        tmp_path,
        "--header",
        f"Authorization: Bearer {token(live_url)}",
        *(f"--exclude-name={name}" for name in ENDS_ITS_SIGN_IN),
        "--exclude-name",
        "POST /api/v1/chat",
        seconds=TIME_BUDGET_SECONDS - 2 * SEPARATE_SECONDS,
    )
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-3000:]


def test_sign_out_keeps_its_contract(live_url, tmp_path):
    """On their own, with a token of their own: each ends the sign-in it is sent with."""
    result = run_schemathesis(
        live_url,
        tmp_path,
        "--header",
        f"Authorization: Bearer {token(live_url)}",
        *(f"--include-name={name}" for name in ENDS_ITS_SIGN_IN),
        seconds=SEPARATE_SECONDS,
    )
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-3000:]


def test_the_chat_keeps_its_contract_without_a_model(live_url, tmp_path):
    """On its own, every check but not_a_server_error: NO_MODEL (a per-operation
    `checks.not_a_server_error.enabled = false` did not reach every phase in schemathesis
    4.32, so the check is left out of this one operation's run instead)."""
    result = run_schemathesis(
        live_url,
        tmp_path,
        "--header",
        f"Authorization: Bearer {token(live_url)}",
        "--include-name",
        "POST /api/v1/chat",
        "--exclude-checks",
        "not_a_server_error",
        seconds=SEPARATE_SECONDS,
    )
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-3000:]

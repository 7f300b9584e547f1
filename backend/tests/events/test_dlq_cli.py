"""`taskflow events dlq list|replay` as an operator runs them."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import orjson


def taskflow(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "backend.cli", "events", "dlq", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )


async def test_list_and_replay_dead_letters(events_database_url, edb):
    event = {
        "id": str(uuid.uuid4()),
        "type": "com.taskflow.task.created",
        "subject": "t-1",
        "data": {},
    }
    letter_id = await edb.fetchval(
        "INSERT INTO dead_letters (subscriber, topic, event_id, event, reason, attempts) "
        "VALUES ('cli.subscriber', 'task-events', $1, $2::jsonb, 'failed 8 times', 8) RETURNING id",
        uuid.UUID(event["id"]),
        orjson.dumps(event).decode(),
    )
    listed = taskflow(events_database_url, "list")
    assert listed.returncode == 0, listed.stderr
    line = next(line for line in listed.stdout.splitlines() if line.split()[0] == str(letter_id))
    assert (
        "cli.subscriber" in line
        and "com.taskflow.task.created" in line
        and "failed 8 times" in line
    )

    replayed = taskflow(events_database_url, "replay", str(letter_id))
    assert replayed.returncode == 0, replayed.stderr
    assert f"replayed 1 dead letter(s): {letter_id}" in replayed.stdout
    delivery = await edb.fetchrow(
        "SELECT subscriber, topic, event->>'id' AS id FROM event_deliveries WHERE outbox_id = $1",
        -letter_id,
    )
    assert tuple(delivery) == ("cli.subscriber", "task-events", event["id"])
    still_listed = taskflow(events_database_url, "list").stdout.splitlines()
    assert not [line for line in still_listed if line.split()[:1] == [str(letter_id)]]

    again = taskflow(events_database_url, "replay", str(letter_id))
    assert again.returncode == 1
    assert again.stderr.strip() == f"taskflow: no open dead letter with ID {letter_id}"

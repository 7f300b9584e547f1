"""TaskFlow as it runs in production — every service its own process behind its own daprd,
events through Apache Kafka — used by two people through the public port only."""

from __future__ import annotations

import re
import secrets
import time
from datetime import UTC, datetime, timedelta

import pytest

from tests.topology.support import Running, SpanSink, Stream, User, eventually

pytestmark = [pytest.mark.slow, pytest.mark.dapr, pytest.mark.timeout(600)]

CREATED = "com.taskflow.task.created"
UPDATED = "com.taskflow.task.updated"
COMPLETED = "com.taskflow.task.completed"
DELETED = "com.taskflow.task.deleted"
REMINDED = "com.taskflow.reminder.triggered"


def _types(entries: list[dict]) -> list[str]:
    return sorted(entry["type"] for entry in entries)


def test_every_change_reaches_all_four_services_for_its_owner_only(topology: Running) -> None:
    alice, bob = User(topology.url), User(topology.url)
    alice_stream, bob_stream = Stream(alice), Stream(bob)
    try:
        task = alice.create(
            title="Renew passport",
            due_at=(datetime.now(UTC) + timedelta(days=3)).isoformat(),
            recurrence={"rrule": "FREQ=WEEKLY"},
        )
        path = f"/api/v1/tasks/{task['id']}"
        assert alice.http.patch(path, json={"priority": "high"}).status_code == 200
        assert alice.http.post(f"{path}/complete").status_code == 200
        # recurring: completing the weekly task creates its next occurrence, through Dapr's
        # service invocation of the api, once
        nexts = eventually(lambda: _one_occurrence(alice, task))
        assert nexts[0]["due_at"] > task["due_at"]
        assert alice.http.delete(path).status_code == 204

        # audit: the whole history, once each, in Alice's trail only
        def trail_complete() -> list[dict]:
            entries = [e for e in alice.audit() if e["task_id"] == task["id"]]
            assert _types(entries) == sorted([CREATED, UPDATED, COMPLETED, DELETED])
            return entries

        eventually(trail_complete)
        # notification: Alice's open stream saw each change of her task, Bob's saw nothing
        eventually(lambda: _assert_frames(alice_stream, task["id"]))
        # (the reminder service's part is the reminder test below: it fires from these events)
        time.sleep(2)  # anything stray for Bob would have arrived by now
        assert bob_stream.frames == []
        assert bob.audit() == []
        assert bob.all_tasks() == []
    finally:
        alice_stream.close()
        bob_stream.close()


def _assert_frames(stream: Stream, task_id: str) -> None:
    """Created first, deleted last, nothing twice. Changes to one task that queue up behind
    each other are coalesced into the latest (docs/notifications.md), so the update and the
    completion in between may have been folded into a later frame."""
    seen = [kind for kind, data in stream.frames if data.get("task", {}).get("id") == task_id]
    assert seen and seen[0] == CREATED and seen[-1] == DELETED, seen
    assert len(seen) == len(set(seen)), seen
    assert set(seen) <= {CREATED, UPDATED, COMPLETED, DELETED}, seen


def _one_occurrence(user: User, task: dict) -> list[dict]:
    series = [
        t for t in user.all_tasks() if t["series_id"] == task["series_id"] and t["id"] != task["id"]
    ]
    assert len(series) == 1, series
    return series


def test_completing_a_recurring_task_creates_the_next_occurrence_exactly_once(
    topology: Running,
) -> None:
    user = User(topology.url)
    tasks = [
        user.create(
            title=f"Water plants {n}",
            due_at=(datetime.now(UTC) + timedelta(hours=n + 1)).isoformat(),
            recurrence={"rrule": "FREQ=DAILY"},
        )
        for n in range(5)
    ]
    for task in tasks:
        assert user.http.post(f"/api/v1/tasks/{task['id']}/complete").status_code == 200
    for task in tasks:
        eventually(lambda task=task: _one_occurrence(user, task))
    time.sleep(3)  # a redelivered completion would have made a second occurrence by now
    for task in tasks:
        _one_occurrence(user, task)


def test_a_reminder_due_in_five_seconds_fires_on_time_on_the_stream_and_in_the_trail(
    topology: Running,
) -> None:
    user = User(topology.url)
    stream = Stream(user)
    try:
        fire_at = (datetime.now(UTC) + timedelta(seconds=5)).replace(microsecond=0)
        task = user.create(
            title="Call the dentist",
            due_at=(fire_at + timedelta(hours=1)).isoformat(),
            reminders=[{"at": fire_at.isoformat()}],
        )

        def fired() -> float:
            frames = [d for kind, d in stream.frames if kind == REMINDED]
            assert len(frames) == 1, frames
            return time.time()

        arrived = eventually(fired, timeout=30, every=0.05)
        lateness = arrived - fire_at.timestamp()
        print(f"\nreminder arrived on the stream {lateness:+.3f} s from its due second")
        # on time: not before the second it is due, and within a couple of seconds of it on a
        # loaded 2-core machine (the reminder service itself fires within ~50 ms, docs/reminders.md)
        assert -0.05 <= lateness < 3.0, f"arrived {lateness:+.2f} s from its due second"
        entries = eventually(
            lambda: [e for e in user.audit() if e["type"] == REMINDED] or _fail("no entry")
        )
        assert len(entries) == 1 and entries[0]["task_id"] == task["id"]
    finally:
        stream.close()


def _fail(message: str):
    raise AssertionError(message)


def test_one_trace_spans_the_request_the_relay_and_every_subscriber(
    topology: Running, spans: SpanSink
) -> None:
    user = User(topology.url)
    trace_id = secrets.token_hex(16)
    answer = user.http.post(
        "/api/v1/tasks",
        json={
            "title": "Traced",
            "due_at": (datetime.now(UTC) + timedelta(days=1)).isoformat(),
            "recurrence": {"rrule": "FREQ=DAILY"},
        },
        headers={"traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"},
    )
    assert answer.status_code == 201

    def every_service_in_the_trace() -> None:
        services = {service for tid, service, _ in spans.spans if tid == trace_id}
        # the api (request and relay), each subscriber's handler, and Dapr's own spans
        for expected in (
            "taskflow-api",
            "taskflow-recurring",
            "taskflow-reminder",
            "taskflow-notification",
            "taskflow-audit",
        ):
            assert expected in services, sorted(services)
        names = {name for tid, service, name in spans.spans if tid == trace_id}
        assert any(re.search(r"publish|task-events", n) for n in names), sorted(names)

    eventually(every_service_in_the_trace, timeout=60, every=1)


def test_a_poison_event_is_dead_lettered_listed_and_replayed(topology: Running) -> None:
    """An event no subscriber can use (published straight to Kafka, as a bug in another
    producer would) lands on the dead-letter topic, shows in `taskflow events dlq list`, and
    `replay` publishes it again exactly once."""
    import asyncio

    import orjson
    from aiokafka import AIOKafkaProducer

    bootstrap = re.search(r"kafka\s+(\S+)", "".join(topology.output)).group(1)
    event_id = secrets.token_hex(16)
    event = {
        "specversion": "1.0",
        "id": f"{event_id[:8]}-{event_id[8:12]}-{event_id[12:16]}-{event_id[16:20]}-{event_id[20:]}",
        "source": "/tests/poison",
        "type": "com.taskflow.task.created",
        "subject": "not-a-task",
        "datacontenttype": "application/json",
        "time": datetime.now(UTC).isoformat(),
        "data": {"not": "a task"},
    }

    async def produce() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        try:
            await producer.send_and_wait("task-events", orjson.dumps(event), key=b"poison")
        finally:
            await producer.stop()

    asyncio.run(produce())

    def listed() -> str:
        out = topology.cli("events", "dlq", "list")
        assert out.returncode == 0, out.stderr
        rows = [line for line in out.stdout.splitlines() if "dapr" in line]
        assert rows, out.stdout
        return rows[0]

    row = eventually(listed, timeout=120, every=1)
    dead_letter_id = row.split()[0]
    replayed = topology.cli("events", "dlq", "replay", dead_letter_id)
    assert replayed.returncode == 0, replayed.stderr
    assert f"replayed 1 dead letter(s): {dead_letter_id}" in replayed.stdout
    # replayed once: it is no longer open, and a second replay finds nothing to do
    again = topology.cli("events", "dlq", "replay", dead_letter_id)
    assert again.returncode == 1 and "no open dead letter" in again.stderr

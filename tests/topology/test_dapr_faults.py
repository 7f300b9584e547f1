"""Crashes in the production topology delay work, never drop or double it.

Each test puts load on TaskFlow through the public port (tasks created in a steady stream, a
request that fails is retried as a client would), kills one process with SIGKILL (or stops
Kafka, or restarts PostgreSQL) in the middle of it, lets `taskflow up --dapr` restart it, and
then counts what every service did: each task that exists has exactly one `created` entry in the
audit trail and exactly one `created` frame on its owner's stream; each completed recurring task
has exactly one next occurrence.
"""

from __future__ import annotations

import signal
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from tests.topology.support import Running, Stream, User, eventually, load

pytestmark = [pytest.mark.slow, pytest.mark.dapr, pytest.mark.timeout(900)]

LOAD = 60
CREATED = "com.taskflow.task.created"


def _counted(user: User, stream: Stream) -> dict[str, int]:
    """Everything adds up: returns the counts (for the record), raises while it does not."""
    tasks = {t["id"] for t in user.all_tasks()}
    trail = Counter(e["task_id"] for e in user.audit() if e["type"] == CREATED)
    frames = stream.count(CREATED)
    assert set(trail) == tasks, f"audit: {len(tasks - set(trail))} missing"
    assert set(frames) == tasks, f"stream: {len(tasks - set(frames))} missing"
    doubled = [k for k, n in (trail + frames).items() if n != 2]
    assert not doubled, f"{len(doubled)} tasks recorded or streamed more than once"
    return {"tasks": len(tasks), "audit": sum(trail.values()), "frames": sum(frames.values())}


def _crash(topology: Running, pattern: str, user: User, stream: Stream) -> dict[str, int]:
    topology.wait_healthy()
    with load(user, count=LOAD) as acknowledged:
        while len(acknowledged) < LOAD // 3:
            time.sleep(0.05)
        victim = topology.find(pattern)
        victim.send_signal(signal.SIGKILL)
        topology.wait_restarted(pattern, victim.pid)
    assert len(acknowledged) == LOAD
    counts = eventually(lambda: _counted(user, stream), timeout=180, every=2)
    assert counts["tasks"] >= LOAD
    print(f"\n{pattern}: {counts}")
    return counts


@pytest.fixture
def user(topology: Running) -> User:
    return User(topology.url)


@pytest.fixture
def stream(user: User):
    opened = Stream(user)
    yield opened
    opened.close()


def test_a_subscriber_killed_mid_load_loses_and_doubles_nothing(topology, user, stream) -> None:
    _crash(topology, r"backend\.cli serve audit ", user, stream)


def test_a_sidecar_killed_mid_load_loses_and_doubles_nothing(topology, user, stream) -> None:
    _crash(topology, r"daprd .*--app-id audit ", user, stream)


def test_the_api_killed_mid_load_loses_and_doubles_nothing(topology, user, stream) -> None:
    _crash(topology, r"backend\.cli serve api ", user, stream)


def test_the_notification_service_killed_mid_load_resumes_every_stream(
    topology, user, stream
) -> None:
    """The stream breaks with the process; the client reconnects with Last-Event-ID and gets
    what it missed, once."""
    _crash(topology, r"backend\.cli serve notification ", user, stream)


def test_kafka_down_for_30_seconds_under_load(topology, user, stream) -> None:
    topology.wait_healthy()
    broker = topology.kafka()
    with load(user, count=LOAD) as acknowledged:
        while len(acknowledged) < LOAD // 3:
            time.sleep(0.05)
        broker.send_signal(signal.SIGSTOP)  # unreachable: every connection to it hangs
        time.sleep(30)
        broker.send_signal(signal.SIGCONT)
    assert len(acknowledged) == LOAD  # writes never waited for Kafka: the outbox holds them
    counts = eventually(lambda: _counted(user, stream), timeout=240, every=2)
    print(f"\nkafka stopped 30 s: {counts}")


def test_recurring_occurrences_survive_a_killed_recurring_service(topology, user) -> None:
    topology.wait_healthy()
    due = datetime.now(UTC) + timedelta(days=1)
    tasks = [
        user.create(title=f"daily {n}", due_at=due.isoformat(), recurrence={"rrule": "FREQ=DAILY"})
        for n in range(30)
    ]
    victim = topology.app("recurring")
    for n, task in enumerate(tasks):
        assert user.http.post(f"/api/v1/tasks/{task['id']}/complete").status_code == 200
        if n == 10:
            victim.send_signal(signal.SIGKILL)
    topology.wait_restarted(r"backend\.cli serve recurring ", victim.pid)

    def one_each() -> None:
        series = Counter(
            t["series_id"]
            for t in user.all_tasks()
            if t["id"] not in {task["id"] for task in tasks}
        )
        assert series == Counter({task["series_id"]: 1 for task in tasks}), series

    eventually(one_each, timeout=180, every=2)


def test_postgresql_restarted_under_load(topology, user, stream) -> None:
    """PostgreSQL shuts down (a fast shutdown, as `pg_ctl restart -m fast` begins) in the
    middle of the load; `taskflow up --dapr` starts it again, as a cluster's operator would."""
    topology.wait_healthy()
    pattern = r"/postgres -D "
    with load(user, count=LOAD) as acknowledged:
        while len(acknowledged) < LOAD // 3:
            time.sleep(0.05)
        postmaster = topology.find(pattern)
        postmaster.send_signal(signal.SIGINT)
        topology.wait_restarted(pattern, postmaster.pid)
    assert len(acknowledged) == LOAD
    counts = eventually(lambda: _counted(user, stream), timeout=240, every=2)
    print(f"\npostgresql restarted: {counts}")

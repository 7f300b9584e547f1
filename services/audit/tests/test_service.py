"""The audit service wired into a process: embedded mode (api + audit, local transport) turns
API changes into entries on its own, and in Dapr mode the sidecar's deliveries land too."""

from __future__ import annotations

import httpx
import pytest

from backend.app import create_app, load_services
from backend.testing import servers
from backend.testing.fixtures import DAPR_DELIVERY, make_settings, signup
from services.audit.tests.conftest import eventually, task_event


@pytest.fixture(scope="module")
def own_database_url():
    """A database of its own: this app's relay must not take other tests' outbox events."""
    with servers.test_database() as url:
        yield url


async def test_embedded_mode_records_every_change_made_through_the_api(own_database_url, redis_url):
    app = create_app(make_settings(own_database_url, redis_url), load_services(["api", "audit"]))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            alice = await signup(client)
            task = (
                await client.post(
                    "/api/v1/tasks", json={"title": "Water plants"}, headers=alice.headers
                )
            ).json()
            for title in ("Water the plants", "Water all plants"):
                await client.patch(
                    f"/api/v1/tasks/{task['id']}", json={"title": title}, headers=alice.headers
                )
            await client.delete(f"/api/v1/tasks/{task['id']}", headers=alice.headers)
            await client.delete(f"/api/v1/trash/{task['id']}", headers=alice.headers)

            async def history() -> list[dict]:
                response = await client.get(
                    f"/api/v1/audit/tasks/{task['id']}", headers=alice.headers
                )
                items = response.json().get("items", []) if response.status_code == 200 else []
                return items if len(items) == 5 else []

            items = await eventually(history, timeout=20)
            assert [i["summary"] for i in items] == [
                'Created "Water plants"',
                'Changed title of "Water the plants"',
                'Changed title of "Water all plants"',
                'Moved to the trash: "Water all plants"',
                'Deleted for good: "Water all plants"',
            ]
            verify = await client.get("/api/v1/audit/verify", headers=alice.headers)
            assert verify.json() == {"ok": True, "checked": 5, "first_bad": None}


async def test_dapr_deliveries_are_recorded_and_answered(own_database_url, redis_url):
    settings = make_settings(own_database_url, redis_url, event_transport="dapr")
    app = create_app(settings, load_services(["api", "audit"]))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            listed = (await client.get("/dapr/subscribe")).json()
            routes = {(s["topic"], s["route"]) for s in listed}
            assert ("task-events", "/events/audit/task-events") in routes
            assert ("reminders", "/events/audit/reminders") in routes

            alice = await signup(client)
            event = task_event(user_id=alice.id)
            headers = DAPR_DELIVERY
            for _ in range(2):  # at least once: the second delivery is a duplicate
                answer = await client.post("/events/audit/task-events", json=event, headers=headers)
                assert answer.json() == {"status": "SUCCESS"}
            unknown = {**event, "id": "3f0e3a52-0000-4000-8000-000000000000", "type": "x.y"}
            answer = await client.post("/events/audit/task-events", json=unknown, headers=headers)
            assert answer.json() == {"status": "DROP"}
            trail = (await client.get("/api/v1/audit", headers=alice.headers)).json()["items"]
            assert [i["event_id"] for i in trail] == [event["id"]]

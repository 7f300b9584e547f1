"""The audit service deployed as the charts deploy it: its own DATABASE_URL, which runs every
statement as `taskflow_audit` (no UPDATE or DELETE on audit_events), and it still works."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import text

from backend.app import create_app, load_services
from backend.testing.fixtures import DAPR_DELIVERY, make_settings
from services.audit.tests.conftest import eventually, task_event


def as_audit_role(database_url: str) -> str:
    return f"{database_url}{'&' if '?' in database_url else '?'}role=taskflow_audit"


@pytest.fixture
async def audit_app(database_url, redis_url):
    settings = make_settings(as_audit_role(database_url), redis_url, event_transport="dapr")
    app = create_app(settings, load_services(["audit"]), name="audit")
    async with app.router.lifespan_context(app):
        yield app


async def test_the_audit_service_runs_as_its_role(audit_app, alice, client):
    created = await client.post("/api/v1/auth/tokens", json={"name": "cli"}, headers=alice.headers)
    personal_token = {"Authorization": f"Bearer {created.json()['token']}"}
    transport = httpx.ASGITransport(app=audit_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as audit:
        ready = (await audit.get("/health/ready")).json()
        assert ready["checks"]["postgres"] == "ok"  # (no sidecar here: "dapr" is failing)

        event = task_event(user_id=alice.id)
        answer = await audit.post(
            "/events/audit/task-events",
            json=event,
            headers=DAPR_DELIVERY,
        )
        assert answer.json() == {"status": "SUCCESS"}

        async def trail() -> list[dict]:
            response = await audit.get("/api/v1/audit", headers=alice.headers)
            return response.json()["items"] if response.status_code == 200 else []

        assert [i["event_id"] for i in await eventually(trail)] == [event["id"]]
        verify = await audit.get("/api/v1/audit/verify", headers=alice.headers)
        assert verify.json() == {"ok": True, "checked": 1, "first_bad": None}
        # A personal access token works here too (its lookup reads and touches its row).
        with_token = await audit.get("/api/v1/audit", headers=personal_token)
        assert [i["event_id"] for i in with_token.json()["items"]] == [event["id"]]

    engine = audit_app.state.runtime.engine
    async with engine.connect() as connection:
        assert (await connection.execute(text("SELECT current_user"))).scalar() == "taskflow_audit"
        grants = await connection.execute(
            text(
                "SELECT has_table_privilege('audit_events', 'UPDATE'), "
                "has_table_privilege('audit_events', 'DELETE'), "
                "has_table_privilege('audit_events', 'INSERT')"
            )
        )
        assert tuple(grants.one()) == (False, False, True)

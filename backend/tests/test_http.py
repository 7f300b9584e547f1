"""What every client meets: problem+json errors, request ids, limits, health and metrics."""

from __future__ import annotations


async def test_unknown_route_and_wrong_method(client, alice):
    missing = await client.get("/api/v1/nothing-here")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    assert missing.json()["status"] == 404 and missing.json()["detail"]
    wrong = await client.patch("/api/v1/tasks", json={}, headers=alice.headers)
    assert wrong.status_code == 405 and "PATCH" in wrong.json()["detail"]


async def test_bodies_over_one_mebibyte_are_413(client, alice):
    big = "x" * (1024 * 1024 + 10)
    response = await client.post(
        "/api/v1/tasks",
        content=f'{{"title": "{big}"}}',
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"


async def test_malformed_json_and_wrong_types_are_422(client, alice):
    response = await client.post(
        "/api/v1/tasks",
        content=b"{not json",
        headers={**alice.headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    response = await client.post("/api/v1/tasks", json=["a", "list"], headers=alice.headers)
    assert response.status_code == 422
    response = await client.post("/api/v1/tasks", json={"title": 5}, headers=alice.headers)
    assert response.status_code == 422 and response.json()["errors"][0]["field"] == "title"


async def test_request_id_is_returned_and_generated(client):
    given = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert given.headers["x-request-id"] == "abc-123"
    generated = await client.get("/health")
    assert len(generated.headers["x-request-id"]) == 32


async def test_health_ready_and_metrics(client, alice):
    assert (await client.get("/health")).json() == {"status": "ok"}
    assert (await client.get("/health/live")).status_code == 200
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    assert ready.json()["checks"]["postgres"] == "ok" and ready.json()["checks"]["redis"] == "ok"
    await client.get("/api/v1/tasks", headers=alice.headers)
    metrics = (await client.get("/metrics")).text
    assert (
        'taskflow_http_requests_total{method="GET",route="/api/v1/tasks",service="api",status="200"}'
        in metrics
    )
    assert "taskflow_http_request_duration_seconds_bucket" in metrics


async def test_openapi_and_docs_are_served(client):
    spec = (await client.get("/openapi.json")).json()
    assert "/api/v1/tasks/{task_id}/complete" in spec["paths"]
    assert (await client.get("/docs")).status_code == 200


async def test_a_wrong_method_is_a_405_with_every_allowed_method(client, alice):
    me = await client.delete("/api/v1/auth/me", headers=alice.headers)
    assert me.status_code == 405
    assert me.headers["content-type"] == "application/problem+json"
    assert set(me.headers["allow"].split(", ")) == {"GET", "PATCH"}
    task = await client.post("/api/v1/tasks/00000000-0000-0000-0000-000000000000/complete/x")
    assert task.status_code == 404
    mcp = await client.get("/mcp")
    assert mcp.status_code == 405 and mcp.headers["allow"] == "POST"

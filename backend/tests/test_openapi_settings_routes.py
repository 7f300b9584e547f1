"""The web app generates its API types from /openapi.json: the settings and data routes are in
it with their request and response shapes."""

from __future__ import annotations

ROUTES = {
    ("post", "/api/v1/auth/password"): ("PasswordChange", "SignedOut"),
    ("delete", "/api/v1/auth/sessions"): (None, "SignedOut"),
    ("post", "/api/v1/auth/me/delete"): ("AccountDelete", None),
    ("delete", "/api/v1/trash"): (None, "TrashEmptied"),
    ("delete", "/api/v1/trash/{task_id}"): (None, None),
    ("get", "/api/v1/export/json"): (None, "ExportDocument"),
    ("post", "/api/v1/import/json"): ("ExportDocument", "ImportResult"),
    ("post", "/api/v1/import/todoist"): (None, "ImportResult"),
    ("get", "/api/v1/calendar/feed"): (None, "CalendarFeedRead"),
    ("post", "/api/v1/calendar/feed"): (None, "CalendarFeedCreated"),
    ("delete", "/api/v1/calendar/feed"): (None, None),
}


def _ref(content: dict | None) -> str | None:
    schema = ((content or {}).get("application/json") or {}).get("schema") or {}
    return schema.get("$ref", "").rsplit("/", 1)[-1] or None


async def test_settings_and_data_routes_are_documented_with_their_shapes(client):
    document = (await client.get("/openapi.json")).json()
    for (method, path), (request, response) in ROUTES.items():
        operation = document["paths"][path][method]
        assert _ref(operation.get("requestBody", {}).get("content")) == request, path
        answers = operation["responses"]
        ok = next(code for code in answers if code.startswith("2"))
        assert _ref(answers[ok].get("content")) == response, (path, ok)
    assert (
        "text/csv" in document["paths"]["/api/v1/export/csv"]["get"]["responses"]["200"]["content"]
    )
    assert (
        "text/csv" in document["paths"]["/api/v1/import/todoist"]["post"]["requestBody"]["content"]
    )
    feed = document["paths"]["/api/v1/calendar/{secret}.ics"]["get"]["responses"]["200"]
    assert "text/calendar" in feed["content"]

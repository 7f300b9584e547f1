"""The notification service: each user's task events and reminders, live over SSE."""

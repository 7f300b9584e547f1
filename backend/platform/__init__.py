"""Shared platform code every TaskFlow service imports: settings, database, Redis,
auth, errors, observability and the event backbone."""

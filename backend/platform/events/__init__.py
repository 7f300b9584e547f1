"""The event backbone: CloudEvents, the transactional outbox, relay, transports, inbox."""

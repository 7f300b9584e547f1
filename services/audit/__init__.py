"""The audit service: an append-only, tamper-evident history of every task change."""

"""events: inbox, consumer versions, local deliveries, dead letters

Revision ID: 20261123_0002
Revises: 20261123_0001
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "20261123_0002"
down_revision = "20261123_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox",
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column(
            "processed_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("consumer", "event_id", name=op.f("pk_inbox")),
    )
    op.create_table(
        "consumer_versions",
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("task_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("consumer", "task_id", name=op.f("pk_consumer_versions")),
    )
    op.create_table(
        "event_deliveries",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("subscriber", sa.String(100), nullable=False),
        sa.Column("outbox_id", sa.BigInteger(), nullable=False),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("partition_key", sa.String(100), nullable=False),
        sa.Column("event", postgresql.JSONB(), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column(
            "next_attempt_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event_deliveries")),
        sa.UniqueConstraint(
            "subscriber", "outbox_id", name="uq_event_deliveries_subscriber_outbox"
        ),
    )
    op.create_index(
        "ix_event_deliveries_due", "event_deliveries", ["subscriber", "next_attempt_at", "id"]
    )
    op.create_index(
        "ix_event_deliveries_partition", "event_deliveries", ["subscriber", "partition_key", "id"]
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=True), nullable=False),
        sa.Column("subscriber", sa.String(100), nullable=False),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.Column("event", postgresql.JSONB(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column(
            "failed_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False
        ),
        sa.Column("replayed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
    )
    op.create_index(
        "ix_dead_letters_open",
        "dead_letters",
        ["id"],
        postgresql_where=sa.text("replayed_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_table("dead_letters")
    op.drop_table("event_deliveries")
    op.drop_table("consumer_versions")
    op.drop_table("inbox")

"""account data: the private calendar feed's secret; due-date ties ordered by creation

Revision ID: 20261205_0007
Revises: 20261205_0006
"""

import sqlalchemy as sa
from alembic import op

revision = "20261205_0007"
down_revision = "20261205_0006"
branch_labels = None
depends_on = None

DUE_SORT = "coalesce(due_at, 'infinity'::timestamptz)"


def _due_index(columns: list) -> None:
    op.drop_index(
        "ix_tasks_user_due", table_name="tasks", postgresql_where=sa.text("deleted_at IS NULL")
    )
    op.create_index(
        "ix_tasks_user_due",
        "tasks",
        columns,
        unique=False,
        postgresql_where=sa.text("deleted_at IS NULL"),
    )


def upgrade() -> None:
    op.create_table(
        "calendar_feeds",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(32), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_calendar_feeds_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    _due_index(["user_id", sa.literal_column(DUE_SORT), "created_at", "id"])


def downgrade() -> None:
    _due_index(["user_id", sa.literal_column(DUE_SORT), "id"])
    op.drop_table("calendar_feeds")

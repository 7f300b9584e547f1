"""tokens: personal access tokens (hashed at rest)

Revision ID: 20261123_0004
Revises: 20261123_0003
"""

import sqlalchemy as sa
from alembic import op

revision = "20261123_0004"
down_revision = "20261123_0003"
branch_labels = None
depends_on = None

AUDIT_ROLE = "taskflow_audit"  # created by 0003; the audit service authenticates PATs too


def upgrade() -> None:
    op.create_table(
        "personal_access_tokens",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("token_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column(
            "created_at",
            sa.DateTime(timezone=True),
            server_default=sa.text("now()"),
            nullable=False,
        ),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_personal_access_tokens_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_access_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_personal_access_tokens_token_hash")),
    )
    op.create_index(
        op.f("ix_personal_access_tokens_user_id"), "personal_access_tokens", ["user_id"]
    )
    op.execute(f"GRANT SELECT, UPDATE (last_used_at) ON personal_access_tokens TO {AUDIT_ROLE}")


def downgrade() -> None:
    op.drop_table("personal_access_tokens")

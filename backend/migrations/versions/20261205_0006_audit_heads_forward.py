"""audit: chain heads only move forward (no going back, no delete, no truncate)

Revision ID: 20261205_0006
Revises: 20261123_0005

The audit role needs UPDATE on audit_chain_heads to move each head on; the trigger makes that
the only change it can make. A role that owns the table (or a superuser) can still drop the
trigger: the checkpoints kept outside the database catch that (docs/audit.md).
"""

from alembic import op

revision = "20261205_0006"
down_revision = "20261123_0005"
branch_labels = None
depends_on = None

UPGRADE = [
    """
    CREATE FUNCTION audit_chain_heads_forward_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE' AND NEW.user_id = OLD.user_id AND (
            NEW.seq > OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash = OLD.hash)
        ) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_chain_heads only move forward: % is not allowed', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_chain_heads_forward_only BEFORE UPDATE OR DELETE ON audit_chain_heads
    FOR EACH ROW EXECUTE FUNCTION audit_chain_heads_forward_only()
    """,
    """
    CREATE TRIGGER audit_chain_heads_no_truncate BEFORE TRUNCATE ON audit_chain_heads
    FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_heads_forward_only()
    """,
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS audit_chain_heads_no_truncate ON audit_chain_heads")
    op.execute("DROP TRIGGER IF EXISTS audit_chain_heads_forward_only ON audit_chain_heads")
    op.execute("DROP FUNCTION IF EXISTS audit_chain_heads_forward_only()")

"""audit: append-only, month-partitioned audit_events, per-user chain heads, taskflow_audit role

Revision ID: 20261123_0003
Revises: 20261123_0002

Raw SQL: a partitioned table, its triggers and a SECURITY DEFINER function are clearer written
out than spelled through SQLAlchemy. See docs/audit.md.
"""

from alembic import op

revision = "20261123_0003"
down_revision = "20261123_0002"
branch_labels = None
depends_on = None

AUDIT_ROLE = "taskflow_audit"

UPGRADE = [
    # actor, changes and details hold canonical JSON text: the hash covers the stored bytes
    # exactly (jsonb would re-normalise numbers and key order behind the hash's back).
    """
    CREATE TABLE audit_events (
        event_id uuid NOT NULL,
        time timestamptz NOT NULL,
        user_id uuid NOT NULL,
        seq bigint NOT NULL,
        type text NOT NULL,
        task_id uuid,
        version integer,
        actor text NOT NULL,
        changes text NOT NULL,
        title text,
        details text,
        prev_hash bytea NOT NULL,
        hash bytea NOT NULL,
        CONSTRAINT pk_audit_events PRIMARY KEY (event_id, time)
    ) PARTITION BY RANGE (time)
    """,
    "CREATE INDEX ix_audit_events_user_seq ON audit_events (user_id, seq)",
    "CREATE INDEX ix_audit_events_task_seq ON audit_events (task_id, seq)",
    """
    CREATE TABLE audit_chain_heads (
        user_id uuid PRIMARY KEY,
        seq bigint NOT NULL DEFAULT 0,
        hash bytea NOT NULL DEFAULT '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea
    )
    """,
    """
    CREATE FUNCTION audit_events_reject_change() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'audit_events is append-only: % is not allowed', TG_OP
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'drop a whole monthly partition to apply retention';
    END
    $$
    """,
    """
    CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_reject_change()
    """,
    """
    CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_reject_change()
    """,
    # Creates one month's partition (idempotent, serialised by an advisory lock). SECURITY
    # DEFINER: the service's role may add partitions without owning (so altering) any table.
    """
    CREATE FUNCTION audit_ensure_partition(month date) RETURNS text
    LANGUAGE plpgsql SECURITY DEFINER SET search_path FROM CURRENT AS $$
    DECLARE
        first date := date_trunc('month', month)::date;
        name text := 'audit_events_' || to_char(first, 'YYYY_MM');
    BEGIN
        IF to_regclass(name) IS NOT NULL THEN
            RETURN name;
        END IF;
        PERFORM pg_advisory_xact_lock(7346003);
        IF to_regclass(name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF audit_events FOR VALUES FROM (%L) TO (%L)',
                name,
                to_char(first, 'YYYY-MM-DD') || ' 00:00:00+00',
                to_char((first + interval '1 month')::date, 'YYYY-MM-DD') || ' 00:00:00+00'
            );
            EXECUTE format(
                'CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON %I '
                'FOR EACH STATEMENT EXECUTE FUNCTION audit_events_reject_change()',
                name
            );
        END IF;
        RETURN name;
    END
    $$
    """,
    "REVOKE ALL ON FUNCTION audit_ensure_partition(date) FROM PUBLIC",
    # Roles are cluster-wide: another database's migration may create it at the same moment.
    f"""
    DO $$
    BEGIN
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{AUDIT_ROLE}') THEN
            CREATE ROLE {AUDIT_ROLE} NOLOGIN;
        END IF;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
    END
    $$
    """,
    f"GRANT SELECT, INSERT ON audit_events TO {AUDIT_ROLE}",
    f"GRANT SELECT, INSERT, UPDATE ON audit_chain_heads TO {AUDIT_ROLE}",
    f"GRANT EXECUTE ON FUNCTION audit_ensure_partition(date) TO {AUDIT_ROLE}",
    # This month and the next two exist from the start; the service keeps creating ahead.
    """
    SELECT audit_ensure_partition((date_trunc('month', now()) + make_interval(months => m))::date)
    FROM generate_series(0, 2) AS m
    """,
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    # The role stays: it is cluster-wide and other databases may use it.
    op.execute("DROP TABLE IF EXISTS audit_events")
    op.execute("DROP TABLE IF EXISTS audit_chain_heads")
    op.execute("DROP FUNCTION IF EXISTS audit_ensure_partition(date)")
    op.execute("DROP FUNCTION IF EXISTS audit_events_reject_change()")

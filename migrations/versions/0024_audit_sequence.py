"""audit events are sealed after commit: seq, prev_hash and hash may wait, the trigger lets the seal through

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-02 07:00:00

An audited action now only inserts its event; a sealing step after commit chains committed
events in order. The three chain columns are empty until then, a partial index finds the
events that wait, and on PostgreSQL the append-only trigger lets exactly that one change
through (everything else is still refused).
"""
import json
from datetime import datetime

from alembic import op
import sqlalchemy as sa

from consult.audit.chain import GENESIS, event_digest

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

# The function as migration 0011 created it: every UPDATE and DELETE refused.
STRICT_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql
"""

# Kept in step with consult.audit.models.SEALABLE_FUNCTION.
SEALABLE_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.hash IS NULL
       AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.hash IS NOT NULL
       AND NEW.id = OLD.id
       AND NEW.created_at IS NOT DISTINCT FROM OLD.created_at
       AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
       AND NEW.action IS NOT DISTINCT FROM OLD.action
       AND NEW.object_type IS NOT DISTINCT FROM OLD.object_type
       AND NEW.object_id IS NOT DISTINCT FROM OLD.object_id
       AND NEW.consultation_id IS NOT DISTINCT FROM OLD.consultation_id
       AND NEW.result IS NOT DISTINCT FROM OLD.result
       AND NEW.ip IS NOT DISTINCT FROM OLD.ip
       AND NEW.detail::text IS NOT DISTINCT FROM OLD.detail::text THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql
"""

UNSEALED = "seq IS NULL"


def upgrade():
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=True)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=True)
    op.create_index("ix_audit_events_unsealed", "audit_events", ["id"], unique=False,
                    sqlite_where=sa.text(UNSEALED), postgresql_where=sa.text(UNSEALED))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(SEALABLE_FUNCTION)


def _seal_waiting(bind) -> None:
    """Give events that still wait their place in the chain, so the columns can be required."""
    head = bind.execute(sa.text("SELECT seq, last_hash FROM audit_chain_head WHERE id = 1")).one_or_none()
    seq, previous = (head.seq, head.last_hash) if head is not None else (0, GENESIS)
    rows = bind.execute(sa.text(
        "SELECT id, created_at, actor_id, action, object_type, object_id, consultation_id, result, ip, "
        "detail FROM audit_events WHERE seq IS NULL ORDER BY id")).all()
    for row in rows:
        seq += 1
        created = datetime.fromisoformat(row.created_at) if isinstance(row.created_at, str) else row.created_at
        detail = json.loads(row.detail) if isinstance(row.detail, str) else row.detail
        digest = event_digest(seq=seq, created_at=created, actor_id=row.actor_id, action=row.action,
                              object_type=row.object_type, object_id=row.object_id,
                              consultation_id=row.consultation_id, result=row.result, ip=row.ip,
                              detail=detail, prev_hash=previous)
        bind.execute(sa.text("UPDATE audit_events SET seq = :seq, prev_hash = :prev, hash = :hash "
                             "WHERE id = :id"), {"seq": seq, "prev": previous, "hash": digest, "id": row.id})
        previous = digest
    if rows:
        if head is None:
            bind.execute(sa.text("INSERT INTO audit_chain_head (id, seq, last_hash) VALUES (1, :s, :h)"),
                         {"s": seq, "h": previous})
        else:
            bind.execute(sa.text("UPDATE audit_chain_head SET seq = :s, last_hash = :h WHERE id = 1"),
                         {"s": seq, "h": previous})


def downgrade():
    bind = op.get_bind()
    _seal_waiting(bind)  # the sealable trigger is still in place, so this is allowed
    if bind.dialect.name == "postgresql":
        op.execute(STRICT_FUNCTION)
    op.drop_index("ix_audit_events_unsealed", table_name="audit_events")
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)

"""audit trail as a hash chain, append-only on PostgreSQL

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22 21:55:00

"""
import json

from alembic import op
import sqlalchemy as sa

from consult.audit.chain import GENESIS, event_digest
from consult.audit.models import APPEND_ONLY_FUNCTION, APPEND_ONLY_TRIGGER

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def _chain_existing_events(bind) -> tuple[int, str]:
    """Give events written before the chain existed their place in it, oldest first."""
    rows = bind.execute(sa.text(
        "SELECT id, created_at, actor_id, action, object_type, object_id, result, ip, detail "
        "FROM audit_events ORDER BY id")).all()
    previous, seq = GENESIS, 0
    for row in rows:
        seq += 1
        created = row.created_at
        if isinstance(created, str):
            from datetime import datetime
            created = datetime.fromisoformat(created)
        detail = row.detail
        if isinstance(detail, str):
            detail = json.loads(detail)
        digest = event_digest(seq=seq, created_at=created, actor_id=row.actor_id,
                              action=row.action, object_type=row.object_type,
                              object_id=row.object_id, consultation_id=None, result=row.result,
                              ip=row.ip, detail=detail, prev_hash=previous)
        bind.execute(sa.text("UPDATE audit_events SET seq = :seq, prev_hash = :prev, hash = :hash "
                             "WHERE id = :id"),
                     {"seq": seq, "prev": previous, "hash": digest, "id": row.id})
        previous = digest
    return seq, previous


def upgrade():
    op.create_table(
        "audit_chain_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("last_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_chain_head")),
    )
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.add_column(sa.Column("seq", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("consultation_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    seq, last_hash = _chain_existing_events(bind)
    bind.execute(sa.text("INSERT INTO audit_chain_head (id, seq, last_hash) VALUES (1, :s, :h)"),
                 {"s": seq, "h": last_hash})
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_unique_constraint(batch_op.f("uq_audit_events_seq"), ["seq"])
        batch_op.create_index(batch_op.f("ix_audit_events_consultation_id"), ["consultation_id"],
                              unique=False)
    if bind.dialect.name == "postgresql":
        op.execute(APPEND_ONLY_FUNCTION)
        op.execute(APPEND_ONLY_TRIGGER)


def downgrade():
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_events_append_only ON audit_events")
        op.execute("DROP FUNCTION IF EXISTS audit_events_append_only()")
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_events_consultation_id"))
        batch_op.drop_constraint(batch_op.f("uq_audit_events_seq"), type_="unique")
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("consultation_id")
        batch_op.drop_column("seq")
    op.drop_table("audit_chain_head")

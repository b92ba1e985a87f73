"""Audit events: who did what to which object, with what result, from where, when (UTC).

The trail is append-only and tamper-evident: every event carries a sequence number, the
hash of the event before it and a hash over its own content and that previous hash
(see :mod:`consult.audit.chain`). An audited action only inserts its event (the id comes from
the database's own sequence, so concurrent actions never wait for each other); a sealing step
after commit gives committed events their place in the chain, once
(:func:`consult.audit.services.seal_events`). The application never updates or deletes an
event otherwise (the mapper refuses it); on PostgreSQL a trigger refuses it in the database
as well, sealing an unsealed event being the one change it lets through.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, ForeignKey, Index, String, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.audit.chain import GENESIS
from consult.core.time import UTCDateTime, utcnow
from consult.extensions import db


class AuditEvent(db.Model):
    """One row per event of consequence. The application only ever inserts."""

    __tablename__ = "audit_events"
    # Finds the events still waiting for their seal without reading the sealed trail.
    __table_args__ = (Index("ix_audit_events_unsealed", "id", sqlite_where=text("seq IS NULL"),
                            postgresql_where=text("seq IS NULL")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Set by the sealing step: the place in the chain (commit order), the previous event's
    # hash and this event's hash. NULL until then.
    seq: Mapped[int | None] = mapped_column(unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(64))
    object_id: Mapped[str | None] = mapped_column(String(64))
    # The consultation the event belongs to, so a team sees its own trail; not a foreign
    # key, because an event outlives what it is about.
    consultation_id: Mapped[int | None] = mapped_column(index=True)
    result: Mapped[str] = mapped_column(String(16), default="success")
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str | None] = mapped_column(String(64))

    actor: Mapped[User | None] = relationship()  # noqa: F821


class AuditChainHead(db.Model):
    """The last sequence number and hash of the sealed trail, in one row.

    Only the sealing step updates this row, first thing in its short transaction, which
    serialises sealers (a row lock on PostgreSQL, the write lock on SQLite) so the chain never
    forks. Audited actions never touch it.
    """

    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


class AppendOnlyError(RuntimeError):
    pass


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _refuse_change(_mapper, _connection, target):
    raise AppendOnlyError(f"audit event {target.id} cannot be changed or deleted")


# Migration 0011 created this strict function; migration 0024 replaced it by the sealable one
# below (and its downgrade puts this one back).
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql
"""
# Kept in step with migration 0024: refuses every UPDATE and DELETE except sealing, which sets
# seq, prev_hash and hash of an unsealed event once and leaves everything else as it was.
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
APPEND_ONLY_TRIGGER = """
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
"""
# TRUNCATE empties a table without touching its rows one by one, so it needs a trigger of its own
# (the function refuses it: only a row-level seal is ever let through).
NO_TRUNCATE_TRIGGER = """
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events
FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only()
"""

# DDL() formats its text with %, so the function's own % placeholder is doubled for it.
event.listen(AuditEvent.__table__, "after_create",
             DDL(SEALABLE_FUNCTION.replace("%", "%%")).execute_if(dialect="postgresql"))
event.listen(AuditEvent.__table__, "after_create",
             DDL(APPEND_ONLY_TRIGGER).execute_if(dialect="postgresql"))
event.listen(AuditEvent.__table__, "after_create",
             DDL(NO_TRUNCATE_TRIGGER).execute_if(dialect="postgresql"))

"""Audit events: who did what to which object, with what result, from where, when (UTC).

The trail is append-only and tamper-evident: every event carries a sequence number, the
hash of the event before it and a hash over its own content and that previous hash
(see :mod:`consult.audit.chain`). The application never updates or deletes an event
(the mapper refuses it); on PostgreSQL a trigger refuses it in the database as well.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, ForeignKey, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.audit.chain import GENESIS
from consult.core.time import UTCDateTime, utcnow
from consult.extensions import db


class AuditEvent(db.Model):
    """One row per event of consequence. The application only ever inserts."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(unique=True)
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
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    actor: Mapped["User | None"] = relationship()  # noqa: F821


class AuditChainHead(db.Model):
    """The last sequence number and hash of the trail, in one row.

    Writing an event first updates this row, which serialises audit writers (a row lock
    on PostgreSQL, the write lock on SQLite) so the chain never forks.
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


# Kept in step with migration 0011, which creates the same function and trigger.
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql
"""
APPEND_ONLY_TRIGGER = """
CREATE TRIGGER audit_events_append_only BEFORE UPDATE OR DELETE ON audit_events
FOR EACH ROW EXECUTE FUNCTION audit_events_append_only()
"""

# DDL() formats its text with %, so the function's own % placeholder is doubled for it.
event.listen(AuditEvent.__table__, "after_create",
             DDL(APPEND_ONLY_FUNCTION.replace("%", "%%")).execute_if(dialect="postgresql"))
event.listen(AuditEvent.__table__, "after_create",
             DDL(APPEND_ONLY_TRIGGER).execute_if(dialect="postgresql"))

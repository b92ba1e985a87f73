"""Writing audit events onto the hash chain, verifying the chain, and querying the trail."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import insert, select, update

from consult.audit.chain import GENESIS, digest_of
from consult.audit.models import AuditChainHead, AuditEvent
from consult.core.time import utcnow
from consult.extensions import db

HEAD_ID = 1


def _consultation_id_of(obj) -> int | None:
    """The consultation an object belongs to, when it says so itself."""
    from consult.consultations.models import Consultation

    if obj is None:
        return None
    if isinstance(obj, Consultation):
        return obj.id
    found = getattr(obj, "consultation_id", None)
    if found is not None:
        return found
    for parent in ("thread", "request", "response", "draft", "consultation"):
        holder = getattr(obj, parent, None) if hasattr(type(obj), parent) else None
        if holder is not None and holder is not obj:
            return _consultation_id_of(holder)
    return None


def _advance_chain() -> tuple[int, str]:
    """Take the next sequence number and the previous hash, locking the head row until commit."""
    row = db.session.execute(
        update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
        .values(seq=AuditChainHead.seq + 1)
        .returning(AuditChainHead.seq, AuditChainHead.last_hash)
    ).one_or_none()
    if row is None:  # an empty trail (a fresh database); the migration creates the row
        db.session.execute(insert(AuditChainHead).values(id=HEAD_ID, seq=1, last_hash=GENESIS))
        return 1, GENESIS
    return row.seq, row.last_hash


def record_event(
    action: str,
    *,
    actor=None,
    obj=None,
    result: str = "success",
    consultation=None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event for ``action`` by ``actor`` on ``obj`` to the current transaction.

    Failed attempts are recorded too (``result="failure"``); the caller commits. The event
    is chained to the one before it; rolling back the transaction rolls back both.
    """
    seq, prev_hash = _advance_chain()
    event = AuditEvent(
        seq=seq,
        created_at=utcnow(),
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None else None,
        consultation_id=(consultation.id if consultation is not None else _consultation_id_of(obj)),
        result=result,
        ip=request.remote_addr if has_request_context() else None,
        detail=detail,
        prev_hash=prev_hash,
    )
    event.hash = digest_of(event)
    db.session.execute(update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                       .values(last_hash=event.hash))
    db.session.add(event)
    return event


@dataclass
class Verification:
    ok: bool
    count: int
    message: str
    broken_seq: int | None = None


def verify_chain(batch: int = 1000) -> Verification:
    """Walk the trail in order; name the first event whose link or content does not hold."""
    previous = GENESIS
    expected = 1
    count = 0
    last_seq = 0
    while True:
        # Batches by sequence number: memory stays flat and no cursor is left open on a break.
        batch_events = db.session.scalars(
            select(AuditEvent).where(AuditEvent.seq > last_seq).order_by(AuditEvent.seq)
            .limit(batch).execution_options(populate_existing=True)).all()
        for event in batch_events:
            if event.seq != expected:
                return Verification(False, count, f"event {expected} is missing (next found: "
                                    f"{event.seq}, id {event.id})", expected)
            if event.prev_hash != previous:
                return Verification(False, count, f"event {event.seq} (id {event.id}) does not "
                                    "link to the event before it", event.seq)
            if digest_of(event) != event.hash:
                return Verification(False, count, f"event {event.seq} (id {event.id}) was "
                                    "changed after it was written", event.seq)
            previous = event.hash
            expected += 1
            count += 1
        if len(batch_events) < batch:
            break
        last_seq = batch_events[-1].seq
        db.session.expunge_all()
    head = db.session.get(AuditChainHead, HEAD_ID, populate_existing=True)
    last_seq = expected - 1
    if head is not None and (head.seq != last_seq or head.last_hash != previous):
        return Verification(False, count, f"events after {last_seq} are missing (the trail "
                            f"recorded {head.seq})", last_seq + 1)
    return Verification(True, count, f"{count} events, chain intact, last hash {previous}")


@dataclass
class AuditFilter:
    actor: str = ""
    action: str = ""
    object_type: str = ""
    object_id: str = ""
    start: datetime | None = None
    end: datetime | None = None
    consultation_id: int | None = None


def filtered_events(criteria: AuditFilter):
    """A select of events matching ``criteria``, newest first, with the actor loaded."""
    from sqlalchemy import or_
    from sqlalchemy.orm import joinedload

    from consult.auth.models import User
    from consult.core.access import like_contains

    query = select(AuditEvent).options(joinedload(AuditEvent.actor))
    if criteria.consultation_id is not None:
        query = query.where(AuditEvent.consultation_id == criteria.consultation_id)
    if criteria.actor:
        pattern = like_contains(criteria.actor)
        query = query.join(User, User.id == AuditEvent.actor_id).where(or_(
            db.func.lower(User.email).like(pattern, escape="\\"),
            db.func.lower(User.name).like(pattern, escape="\\"),
        ))
    if criteria.action:
        query = query.where(AuditEvent.action == criteria.action)
    if criteria.object_type:
        query = query.where(AuditEvent.object_type == criteria.object_type)
    if criteria.object_id:
        query = query.where(AuditEvent.object_id == criteria.object_id.strip())
    if criteria.start is not None:
        query = query.where(AuditEvent.created_at >= criteria.start)
    if criteria.end is not None:
        query = query.where(AuditEvent.created_at < criteria.end)
    return query.order_by(AuditEvent.seq.desc())

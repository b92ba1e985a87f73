"""Writing audit events onto the hash chain, verifying the chain, and querying the trail."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import has_request_context, request
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from consult.audit.chain import GENESIS, digest_of, event_digest
from consult.audit.models import AuditChainHead, AuditEvent
from consult.core.jobs import enqueue_after_commit
from consult.core.time import utcnow
from consult.extensions import db

HEAD_ID = 1


def _consultation_id_of(obj) -> int | None:
    """The consultation an object belongs to, when it says so itself (read from the object's own
    attributes: the trail sits below every feature and imports none)."""
    if obj is None:
        return None
    if getattr(obj, "__tablename__", None) == "consultations":
        return obj.id
    found = getattr(obj, "consultation_id", None)
    if found is not None:
        return found
    for parent in ("thread", "request", "response", "draft", "consultation"):
        holder = getattr(obj, parent, None) if hasattr(type(obj), parent) else None
        if holder is not None and holder is not obj:
            return _consultation_id_of(holder)
    return None


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

    Failed attempts are recorded too (``result="failure"``); the caller commits. The event is
    only inserted (its id comes from the database's sequence), so audited actions in concurrent
    transactions never wait for one another; once the transaction has committed, a sealing job
    chains it onto the trail (:func:`seal_events`). Rolling back the transaction rolls the event
    back, and it never gets a place in the chain.
    """
    event = AuditEvent(
        created_at=utcnow(),
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None else None,
        consultation_id=(consultation.id if consultation is not None else _consultation_id_of(obj)),
        result=result,
        ip=request.remote_addr if has_request_context() else None,
        detail=detail,
    )
    db.session.add(event)
    pending = db.session.info.get("consult_new_jobs", [])
    if not any(func is seal_events for func, _args in pending):  # one seal per transaction
        enqueue_after_commit(seal_events)
    return event


def _lock_head() -> tuple[int, str]:
    """Take the chain's head for this transaction (serialising sealers only) and return its
    last sequence number and hash. The head is written first, so on SQLite the transaction
    holds the write lock before it reads which events wait (no stale snapshot)."""
    for _attempt in range(2):
        row = db.session.execute(
            update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
            .values(seq=AuditChainHead.seq).returning(AuditChainHead.seq, AuditChainHead.last_hash)
        ).one_or_none()
        if row is not None:
            return row.seq, row.last_hash
        try:  # an empty trail (a fresh database); the migration creates the row
            with db.session.begin_nested():
                db.session.execute(insert(AuditChainHead).values(id=HEAD_ID, seq=0, last_hash=GENESIS))
            return 0, GENESIS
        except IntegrityError:  # another sealer created it at the same moment: take it
            continue
    raise RuntimeError("the audit chain head could not be taken")


def seal_events(batch: int = 1000) -> int:
    """Job: give every committed, unsealed event its place in the chain, oldest id first.

    Runs after the commit of every audited transaction (inline, or on the RQ worker) and at
    the start of :func:`verify_chain`. Each batch is one short transaction that holds the
    head of the chain; audited actions do not wait for it. An event that commits after a
    later one was sealed (its transaction took longer) is sealed after it: the sequence is
    the order of sealing, the id the order of writing. Returns the number of events sealed.
    """
    db.session.rollback()  # a transaction of its own, with a fresh view of what committed
    table = AuditEvent.__table__
    sealed = 0
    while True:
        seq, previous = _lock_head()
        rows = db.session.execute(
            select(table).where(table.c.seq.is_(None)).order_by(table.c.id).limit(batch)).all()
        if not rows:
            db.session.rollback()
            return sealed
        values = []
        for row in rows:
            seq += 1
            digest = event_digest(seq=seq, created_at=row.created_at, actor_id=row.actor_id,
                                  action=row.action, object_type=row.object_type,
                                  object_id=row.object_id, consultation_id=row.consultation_id,
                                  result=row.result, ip=row.ip, detail=row.detail, prev_hash=previous)
            values.append({"b_id": row.id, "b_seq": seq, "b_prev": previous, "b_hash": digest})
            previous = digest
        db.session.execute(
            update(table).where(table.c.id == bindparam("b_id"), table.c.seq.is_(None))
            .values(seq=bindparam("b_seq"), prev_hash=bindparam("b_prev"), hash=bindparam("b_hash")),
            values)
        db.session.execute(update(AuditChainHead).where(AuditChainHead.id == HEAD_ID)
                           .values(seq=seq, last_hash=previous))
        db.session.commit()
        sealed += len(rows)
        if len(rows) < batch:
            return sealed


@dataclass
class Verification:
    ok: bool
    count: int
    message: str
    broken_seq: int | None = None


def verify_chain(batch: int = 1000) -> Verification:
    """Seal what waits, then walk the trail in order; name the first event whose link or
    content does not hold."""
    seal_events()
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
    """A select of events matching ``criteria``, newest first (by id: an event just written may not
    be sealed yet), with the actor loaded."""
    from sqlalchemy import or_
    from sqlalchemy.orm import joinedload

    from consult.core.access import like_contains

    User = AuditEvent.actor.property.mapper.class_  # noqa: N806 (the user model, through the relationship)
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
    return query.order_by(AuditEvent.id.desc())

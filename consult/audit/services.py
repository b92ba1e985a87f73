"""Writing audit events."""
from __future__ import annotations

from typing import Any

from flask import has_request_context, request

from consult.audit.models import AuditEvent
from consult.extensions import db


def record_event(
    action: str,
    *,
    actor=None,
    obj=None,
    result: str = "success",
    **detail: Any,
) -> AuditEvent:
    """Add an audit event for ``action`` by ``actor`` on ``obj`` to the current transaction.

    Failed attempts are recorded too (``result="failure"``); the caller commits.
    """
    event = AuditEvent(
        action=action,
        actor_id=getattr(actor, "id", None),
        object_type=type(obj).__name__ if obj is not None else None,
        object_id=str(obj.id) if obj is not None else None,
        result=result,
        ip=request.remote_addr if has_request_context() else None,
        detail=detail,
    )
    db.session.add(event)
    return event

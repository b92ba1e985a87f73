"""The hash chain over audit events: one digest function, used when writing and verifying."""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

GENESIS = "0" * 64


def _timestamp(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_digest(*, seq: int, created_at: datetime, actor_id: int | None, action: str,
                 object_type: str | None, object_id: str | None, consultation_id: int | None,
                 result: str, ip: str | None, detail: dict[str, Any] | None,
                 prev_hash: str) -> str:
    """SHA-256 over the event's content and the previous event's hash, canonically encoded."""
    content = [seq, _timestamp(created_at), actor_id, action, object_type, object_id,
               consultation_id, result, ip, detail or {}, prev_hash]
    encoded = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                         default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()


def digest_of(event) -> str:
    return event_digest(
        seq=event.seq, created_at=event.created_at, actor_id=event.actor_id, action=event.action,
        object_type=event.object_type, object_id=event.object_id,
        consultation_id=event.consultation_id, result=event.result, ip=event.ip,
        detail=event.detail, prev_hash=event.prev_hash,
    )

"""Export, erasure and retention of personal data, driven by :mod:`consult.privacy.registry`."""
from __future__ import annotations

import enum
from collections import deque
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import Table, delete, select, update
from sqlalchemy.sql.elements import ColumnElement

from consult.audit.services import record_event
from consult.auth.models import RecoveryCode, User, new_session_token
from consult.core.time import utcnow
from consult.extensions import db
from consult.privacy.models import ErasureRequest, ErasureStatus
from consult.privacy.registry import (
    DERIVED_COPIES,
    PERSONAL_COLUMNS,
    SECRET_COLUMNS,
    USER_LINKS,
    OnErasure,
    OnRetention,
)

# Tables a consultation's rows are never reached through (they are shared by all).
NOT_A_PATH = {"users", "organisations"}


def table(name: str) -> Table:
    return db.metadata.tables[name]


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return None
    return value


def _rows(tbl: Table, condition: ColumnElement) -> list[dict[str, Any]]:
    columns = [c for c in tbl.columns if c.name not in SECRET_COLUMNS]
    result = db.session.execute(select(*columns).where(condition).order_by(*tbl.primary_key.columns))
    return [{key: _plain(value) for key, value in row._mapping.items()} for row in result]


def export_personal_data(user: User) -> dict[str, Any]:
    """Everything the platform holds about ``user`` and everything they wrote, by table."""
    users = table("users")
    data: dict[str, Any] = {
        "exported_at": utcnow().isoformat(),
        "profile": _rows(users, users.c.id == user.id)[0],
        "records": {},
    }
    for (name, column), _link in sorted(USER_LINKS.items()):
        tbl = table(name)
        rows = _rows(tbl, tbl.c[column] == user.id)
        if rows:
            data["records"].setdefault(name, {})[column] = rows
    for (name, column), kind in sorted(PERSONAL_COLUMNS.items()):
        if kind == "email":
            tbl = table(name)
            rows = _rows(tbl, tbl.c[column] == user.email)
            if rows:
                data["records"].setdefault(name, {})[column] = rows
    return data


def request_erasure(user: User) -> ErasureRequest:
    existing = pending_request(user)
    if existing is not None:
        return existing
    found = ErasureRequest(user_id=user.id)
    db.session.add(found)
    record_event("erasure_requested", actor=user, obj=user)
    return found


def pending_request(user: User) -> ErasureRequest | None:
    return db.session.scalar(select(ErasureRequest).where(
        ErasureRequest.user_id == user.id, ErasureRequest.status == ErasureStatus.PENDING))


def decide(found: ErasureRequest, *, by: User, confirm: bool) -> None:
    found.status = ErasureStatus.DONE if confirm else ErasureStatus.REJECTED
    found.decided_by_id, found.decided_at = by.id, utcnow()
    if confirm:
        erase_user(found.user, by=by)
    else:
        record_event("erasure_rejected", actor=by, obj=found.user)


def cancel(found: ErasureRequest, *, by: User) -> None:
    found.status = ErasureStatus.CANCELLED
    found.decided_at = utcnow()
    record_event("erasure_cancelled", actor=by, obj=by)


def _remove_export_files(condition) -> None:
    """Prepared export files go with their job rows (they are copies of the data)."""
    from consult.core.storage import delete_stored

    jobs = table("export_jobs")
    for stored in db.session.scalars(select(jobs.c.stored_name).where(condition)):
        delete_stored(stored)


def erase_user(user: User, *, by: User) -> None:
    """Remove the person: name and address gone, account closed, personal rows deleted.

    What they contributed on behalf of their organisation stays and shows "deleted user";
    receipts still verify, because they never contained the person.
    """
    email = user.email
    _remove_export_files(table("export_jobs").c.user_id == user.id)
    for (name, column), link in USER_LINKS.items():
        if link.erasure == OnErasure.DELETE:
            tbl = table(name)
            db.session.execute(delete(tbl).where(tbl.c[column] == user.id))
    for (name, column), kind in PERSONAL_COLUMNS.items():
        if kind == "email":
            tbl = table(name)
            db.session.execute(delete(tbl).where(tbl.c[column] == email))
    user.name = ""
    user.email = f"erased-{user.id}@erased.invalid"
    user.password_hash = None
    user.active = False
    user.is_admin = False
    user.totp_secret = user.totp_enabled_at = user.totp_last_counter = None
    user.session_token = new_session_token()
    user.erased_at = utcnow()
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.expire(user, ["memberships"])
    record_event("user_erased", actor=by, obj=user)


def _parents(tbl: Table) -> list[tuple[str, Table]]:
    """(column, parent table) for each foreign key of ``tbl`` that can lead to a consultation."""
    found = []
    for column in tbl.columns:
        for fk in column.foreign_keys:
            parent = fk.column.table
            if parent.name not in NOT_A_PATH and parent is not tbl:
                found.append((column.name, parent))
    return found


def consultation_scope(tbl: Table, consultation_id: int) -> ColumnElement | None:
    """A condition selecting the rows of ``tbl`` that belong to the consultation, found by
    following foreign keys to the nearest table with a ``consultation_id`` (shortest path)."""
    if tbl.name == "consultations":
        return tbl.c.id == consultation_id
    if "consultation_id" in tbl.c:
        return tbl.c.consultation_id == consultation_id
    queue = deque([(tbl, [])])
    seen = {tbl.name}
    while queue:
        current, path = queue.popleft()
        for column, parent in _parents(current):
            if parent.name in seen:
                continue
            step = path + [(current, column, parent)]
            if parent.name == "consultations" or "consultation_id" in parent.c:
                return _nest(step, consultation_id)
            seen.add(parent.name)
            queue.append((parent, step))
    return None


def _nest(path, consultation_id: int) -> ColumnElement:
    *rest, (child, column, parent) = path
    key = parent.c.id if parent.name == "consultations" else parent.c.consultation_id
    condition = child.c[column].in_(select(parent.c.id).where(key == consultation_id)) \
        if parent.name != "consultations" else child.c[column] == consultation_id
    for child, column, parent in reversed(rest):
        condition = child.c[column].in_(select(parent.c.id).where(condition))
    return condition


def anonymise_consultation(consultation, *, today: date) -> dict[str, int]:
    """Cut the links between people and this consultation's content; clear its contact."""
    counts: dict[str, int] = {}
    for (name, column), link in sorted(USER_LINKS.items()):
        if link.retention == OnRetention.ACCOUNT:
            continue
        tbl = table(name)
        scope = consultation_scope(tbl, consultation.id)
        if name == "export_jobs":
            _remove_export_files(scope)
        if link.retention == OnRetention.DELETE:
            result = db.session.execute(delete(tbl).where(scope))
        else:
            result = db.session.execute(update(tbl).where(scope, tbl.c[column].is_not(None))
                                        .values({column: None}))
        counts[f"{name}.{column}"] = result.rowcount
    for name in DERIVED_COPIES:
        tbl = table(name)
        counts[name] = db.session.execute(delete(tbl).where(consultation_scope(tbl, consultation.id))).rowcount
    consultation.contact_name = consultation.contact_email = consultation.contact_phone = ""
    consultation.anonymised_at = utcnow()
    record_event("retention_applied", obj=consultation, retention_date=str(
        consultation.retention_date(current_app.config["RETENTION_YEARS"])), on=today.isoformat(),
        rows=sum(counts.values()))
    return counts


def apply_retention(today: date) -> list[str]:
    """Anonymise every consultation past its retention date (once) and drop old login attempts.
    Running it again changes nothing."""
    from consult.auth.models import LoginAttempt
    from consult.consultations.models import Consultation

    years = current_app.config["RETENTION_YEARS"]
    done = []
    for consultation in db.session.scalars(select(Consultation).where(
            Consultation.anonymised_at.is_(None)).order_by(Consultation.id)):
        until = consultation.retention_date(years)
        if until is not None and until < today:
            anonymise_consultation(consultation, today=today)
            done.append(consultation.slug)
    cutoff = utcnow() - current_app.config["LOGIN_ATTEMPT_RETENTION"]
    db.session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < cutoff))
    return done

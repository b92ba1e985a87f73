"""Two-step login with a time-based one-time password (TOTP, RFC 6238) and recovery codes.

The QR code is drawn on the server (segno); nothing leaves the platform. A code is accepted
once: the time step of every accepted code is remembered and older or equal steps are refused.
"""
from __future__ import annotations

import hmac
import io
import secrets
import time
from datetime import UTC

import pyotp
import segno
from flask import current_app
from sqlalchemy import delete, or_, select, update

from consult.audit.services import record_event
from consult.auth.models import RecoveryCode, User, hash_token
from consult.core.limits import note_secret_check
from consult.core.time import utcnow
from consult.extensions import db

RECOVERY_CODES = 10
# Accept the previous and the next 30-second step too: phone clocks drift.
VALID_WINDOW = 1


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email,
                                               issuer_name=current_app.config["SITE_NAME"])


def qr_svg(uri: str) -> bytes:
    """The provisioning URI as an SVG QR code (dark on white, no scripts, no styles)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="svg", scale=6, border=4, xmldecl=False,
                                    dark="#000", light="#fff", title=current_app.config["SITE_NAME"])
    return buffer.getvalue()


def grouped(secret: str) -> str:
    """The secret in groups of four, for typing it in by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _normalise(code: str) -> str:
    return "".join(ch for ch in (code or "") if ch.isalnum()).lower()


def matching_step(secret: str, code: str, *, after: int | None, at: float | None = None) -> int | None:
    """The time step whose code equals ``code`` within the window and later than ``after``."""
    note_secret_check("code")
    code = _normalise(code)
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now = totp.timecode(_datetime(at))
    for step in range(now - VALID_WINDOW, now + VALID_WINDOW + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _datetime(at: float | None):
    from datetime import datetime

    return datetime.fromtimestamp(time.time() if at is None else at, tz=UTC)


def enable(user: User, secret: str, code: str) -> list[str] | None:
    """Switch two-step login on when ``code`` fits ``secret``; returns fresh recovery codes."""
    step = matching_step(secret, code, after=None)
    if step is None:
        return None
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_counter = step
    record_event("two_factor_enabled", actor=user, obj=user)
    return _new_recovery_codes(user)


def disable(user: User, *, by: User) -> None:
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_counter = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    record_event("two_factor_disabled" if by.id == user.id else "two_factor_reset", actor=by,
                 obj=user)


def regenerate_recovery_codes(user: User) -> list[str]:
    codes = _new_recovery_codes(user)
    record_event("recovery_codes_regenerated", actor=user, obj=user)
    return codes


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)  # 10 hex characters, 40 bits
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=hash_token(raw)))
    return codes


def unused_recovery_codes(user: User) -> int:
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))).all())


def check_code(user: User, code: str) -> str | None:
    """Check a login code: 'totp' or 'recovery' when accepted (and used up), None otherwise."""
    if not user.two_factor_enabled:
        return None
    step = matching_step(user.totp_secret, code, after=user.totp_last_counter)
    # Conditional updates: of two requests with the same code at the same moment, one wins.
    if step is not None:
        taken = db.session.execute(
            update(User).where(User.id == user.id, or_(User.totp_last_counter.is_(None),
                                                        User.totp_last_counter < step))
            .values(totp_last_counter=step).execution_options(synchronize_session=False))
        if taken.rowcount == 1:
            user.totp_last_counter = step
            return "totp"
        return None
    normalised = _normalise(code)
    if len(normalised) == 10:
        used = db.session.execute(
            update(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                       RecoveryCode.code_hash == hash_token(normalised),
                                       RecoveryCode.used_at.is_(None))
            .values(used_at=utcnow()).execution_options(synchronize_session=False))
        if used.rowcount == 1:
            record_event("recovery_code_used", actor=user, obj=user)
            return "recovery"
    return None


def requires_two_factor(user: User) -> bool:
    """Admins and every member of a consultation's project team must use two-step login."""
    if user.is_admin:
        return True
    if user.on_a_team is not None:  # loaded with the user for this request (auth/session.py)
        return user.on_a_team
    return bool(db.session.scalar(select(User.team_places.any()).where(User.id == user.id)))

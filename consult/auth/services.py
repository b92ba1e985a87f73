"""Account services: authentication with brute-force limits, tokens, password changes.

Services add and flush; the request commits.
"""
from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy import select, update

from consult.audit.services import record_event
from consult.auth.lockout import GuessingRefused, check_secret
from consult.auth.models import (
    AccountToken,
    TokenPurpose,
    User,
    hash_token,
    new_session_token,
    normalise_email,
)
from consult.auth.passwords import hash_password, verify_password
from consult.core.mail import send_template
from consult.core.time import utcnow
from consult.extensions import db

# Too many failed passwords or codes; carries ``retry_at``. The policy: consult.auth.lockout.
LoginThrottled = GuessingRefused


class TokenError(Exception):
    """The token is unknown, used or expired."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


# What a person reads when a link from an e-mail (reset, verification, invitation) does not work.
TOKEN_MESSAGES = {
    "unknown": lambda: _("This link is not valid. Check that you used the whole link from the e-mail."),
    "used": lambda: _("This link has already been used. Each link works once."),
    "expired": lambda: _("This link has expired. Request a new one."),
}


def get_user_by_email(email: str) -> User | None:
    return db.session.scalar(select(User).where(User.email == normalise_email(email)))


def authenticate(email: str, password: str) -> User | None:
    """Check a login. Returns the user on success, None on a wrong e-mail or password.

    Raises LoginThrottled before checking anything once a guessing limit is reached (the
    attempt counts per account and per address, see consult.auth.lockout). Inactive and
    unverified users are returned; the caller decides what to tell them.
    """
    email = normalise_email(email)
    user = get_user_by_email(email)
    try:
        ok = check_secret(email, "password", lambda: verify_password(
            user.password_hash if user else _dummy_hash(), password) and user is not None)
    except LoginThrottled:
        record_event("login", result="throttled", email=email)
        raise
    if not ok:
        record_event("login", actor=user, obj=user, result="failure", email=email)
        return None
    return user


_DUMMY: dict[str, str] = {}


def _dummy_hash() -> str:
    # Checking a password against a real hash when the e-mail is unknown keeps the
    # response time from telling which addresses have an account.
    if "hash" not in _DUMMY:
        _DUMMY["hash"] = hash_password(secrets.token_urlsafe(16))
    return _DUMMY["hash"]


def record_login(user: User, **detail) -> None:
    user.last_login_at = utcnow()
    record_event("login", actor=user, obj=user, **detail)


def revoke_sessions(user: User) -> None:
    """End every session of ``user`` (cookies carry the old token and stop working)."""
    user.session_token = new_session_token()


def logout_user_everywhere(user: User) -> None:
    revoke_sessions(user)
    record_event("logout", actor=user, obj=user)


def set_password(user: User, password: str, *, by: User | None, action: str) -> None:
    """Set a new password (a reset, or a change on the account page): every session ends and
    every password-reset link still open stops working."""
    user.password_hash = hash_password(password)
    revoke_sessions(user)
    expire_reset_links(user)
    record_event(action, actor=by, obj=user)


def expire_reset_links(user: User) -> int:
    """End every reset link of ``user`` that is neither used nor expired, in one UPDATE: after a
    password change an older link (perhaps in someone else's hands) must not set another one.
    Returns how many were ended."""
    now = utcnow()
    return db.session.execute(
        update(AccountToken)
        .where(AccountToken.user_id == user.id, AccountToken.purpose == TokenPurpose.RESET,
               AccountToken.used_at.is_(None), AccountToken.expires_at > now)
        .values(expires_at=now).execution_options(synchronize_session=False)).rowcount


def issue_token(user: User, purpose: TokenPurpose, lifetime: timedelta) -> str:
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    db.session.add(
        AccountToken(
            purpose=purpose,
            token_hash=hash_token(raw),
            user=user,
            created_at=now,
            expires_at=now + lifetime,
        )
    )
    db.session.flush()
    return raw


def _load_token(raw: str, purpose: TokenPurpose, now: datetime) -> AccountToken:
    token = db.session.scalar(
        select(AccountToken).where(
            AccountToken.token_hash == hash_token(raw), AccountToken.purpose == purpose
        )
    )
    if token is None:
        raise TokenError("unknown")
    if token.used_at is not None:
        raise TokenError("used")
    if token.expires_at <= now:
        raise TokenError("expired")
    return token


def check_token(raw: str, purpose: TokenPurpose) -> User:
    """Return the token's user without using it up (to show a form)."""
    return _load_token(raw, purpose, utcnow()).user


def consume_token(raw: str, purpose: TokenPurpose) -> User:
    """Use a single-use token and return its user; raises TokenError."""
    now = utcnow()
    token = _load_token(raw, purpose, now)
    token.used_at = now
    return token.user


def send_password_reset(email: str, *, locale: str) -> None:
    """Mail a reset link when the address has an active account, and otherwise a mail saying
    that there is no account with this address.

    Either way one mail is rendered and queued, so the time the request takes does not tell
    which addresses have an account (the page says the same too).
    """
    user = get_user_by_email(email)
    if user is None or not user.active:
        send_template(normalise_email(email), "password_reset_unknown", locale=locale,
                      register_link=url_for("orgs.register", _external=True))
        record_event("password_reset_requested", result="unknown", email=normalise_email(email))
        return
    raw = issue_token(user, TokenPurpose.RESET, current_app.config["RESET_TOKEN_LIFETIME"])
    send_template(
        user.email,
        "password_reset",
        locale=user.locale,
        user=user,
        link=url_for("auth.reset_password", token=raw, _external=True),
    )
    record_event("password_reset_requested", obj=user)


def send_verification(user: User) -> None:
    raw = issue_token(user, TokenPurpose.VERIFY, current_app.config["VERIFY_TOKEN_LIFETIME"])
    send_template(
        user.email,
        "verify_email",
        locale=user.locale,
        user=user,
        link=url_for("auth.verify_email", token=raw, _external=True),
    )


def verify_email(raw: str) -> User:
    user = consume_token(raw, TokenPurpose.VERIFY)
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    record_event("email_verified", actor=user, obj=user)
    return user


def deactivate_user(user: User, *, by: User) -> None:
    """Switch an account off; its sessions end immediately."""
    user.active = False
    revoke_sessions(user)
    record_event("user_deactivated", actor=by, obj=user)


def activate_user(user: User, *, by: User) -> None:
    user.active = True
    record_event("user_activated", actor=by, obj=user)


def set_admin(user: User, is_admin: bool, *, by: User) -> None:
    user.is_admin = is_admin
    record_event("admin_role_changed", actor=by, obj=user, is_admin=is_admin)

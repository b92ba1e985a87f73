"""Guessing limits for passwords and two-step codes, and the lock-out policy.

Every place that checks a password or a code (the login, the code step, and on the account
page: new recovery codes, switching two-step login off, changing the password) goes through
``check_secret``, so all of them count towards the same limits.

Counting is atomic: the attempt is recorded first and the limits are counted including it, in
a short transaction of its own that is serialised per account (PostgreSQL: an advisory lock on
the account's address; SQLite: the insert takes the database's write lock). Of 40 parallel
wrong passwords, at most the limit are checked. Refused attempts are removed again, so waiting
is always enough and an attacker cannot extend the holder's wait by hammering.

The policy, chosen so that the limit cannot be used to keep someone out:

* per account *and* address: ``LOGIN_MAX_FAILURES`` failures within ``LOGIN_FAILURE_WINDOW``,
  then that address waits until the oldest failure ages out (tight; an attacker only locks
  out himself);
* per address, for any account: the same numbers (one address trying many accounts);
* per account, from every address: after ``LOGIN_ACCOUNT_FREE_FAILURES`` failures within
  ``LOGIN_ACCOUNT_WINDOW``, each next attempt waits a doubling delay since the last failure,
  at most ``LOGIN_ACCOUNT_MAX_DELAY`` — never a hard lock — and a browser where the holder
  logged in before (a signed cookie) is not delayed at all;
* a completed password reset or a correct two-step code clears the account's failures;
* the holder is mailed when ``LOGIN_GUESSING_WARN_AT`` failures hit the account, at most once
  per ``LOGIN_GUESSING_WARN_PERIOD``.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from flask import current_app, request, url_for
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Engine, create_engine, delete, func, insert, or_, select, update
from sqlalchemy.pool import NullPool

from consult.auth.models import LoginAttempt, User, normalise_email
from consult.core.limits import note_limit_counted, note_secret_check, retry_after_seconds, retry_message
from consult.core.mail import send_template
from consult.core.security import client_ip
from consult.core.time import utcnow
from consult.extensions import db

T = TypeVar("T")

DEVICE_COOKIE = "consult_device"


class GuessingRefused(Exception):
    """Too many failed passwords or codes; ``retry_at`` (UTC) is when to try again."""

    def __init__(self, retry_at: datetime, reason: str):
        super().__init__(reason)
        self.retry_at = retry_at
        self.reason = reason  # "account_address", "address" or "account"


@dataclass(frozen=True)
class _Gate:
    attempt_id: int | None
    refused: GuessingRefused | None
    warn_user_id: int | None


def check_secret(email: str, kind: str, check: Callable[[], T]) -> T:
    """Count an attempt at the password or a code of the account ``email``, then run ``check``.

    Raises GuessingRefused, without running ``check``, when a limit is reached. A truthy
    result marks the attempt successful; anything else leaves it counted as a failure.
    """
    email = normalise_email(email)
    now = utcnow()
    note_secret_check(kind)
    note_limit_counted("secret_guess")
    gate = _count_attempt(email, client_ip(), now, trusted=is_trusted_device(email))
    if gate.warn_user_id is not None:
        _warn_holder(db.session.get(User, gate.warn_user_id))
    if gate.refused is not None:
        raise gate.refused
    result = check()
    if result:
        db.session.execute(update(LoginAttempt).where(LoginAttempt.id == gate.attempt_id)
                           .values(success=True).execution_options(synchronize_session=False))
    return result


def clear_failures(user: User) -> None:
    """Forget the account's failed attempts (a completed password reset, a correct code)."""
    user.failures_cleared_at = utcnow()


def _lock_key(email: str) -> int:
    # pg_advisory_xact_lock takes a signed 64-bit key.
    return int.from_bytes(hashlib.sha256(b"login:" + email.encode()).digest()[:8], "big", signed=True)


def _gate_engine() -> Engine:
    """An engine without a pool for the counting transaction.

    The request's own session already holds a pooled connection; taking a second one from
    the same pool could wait forever once parallel requests hold all of them.
    """
    engine = db.engine
    if engine.url.get_backend_name() == "sqlite" and engine.url.database in (None, "", ":memory:"):
        return engine  # one in-memory database lives on one connection
    engines = current_app.extensions.setdefault("consult_gate_engine", {})
    key = engine.url.render_as_string(hide_password=False)
    if key not in engines:
        # The app's connect arguments: behind a transaction pooler, no prepared statements.
        connect_args = current_app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("connect_args", {})
        engines[key] = create_engine(engine.url, poolclass=NullPool, connect_args=connect_args)
    return engines[key]


def _count_attempt(email: str, ip: str, now: datetime, *, trusted: bool) -> _Gate:
    """Record the attempt and decide, in one transaction serialised per account.

    It runs on a connection of its own and commits at once, so the attempt counts for every
    other request however the current one ends.
    """
    cfg = current_app.config
    window, limit = cfg["LOGIN_FAILURE_WINDOW"], cfg["LOGIN_MAX_FAILURES"]
    table = LoginAttempt.__table__
    with _gate_engine().begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(select(func.pg_advisory_xact_lock(_lock_key(email))))
        attempt_id = conn.execute(insert(table).values(
            email=email, ip=ip, success=False, created_at=now)).inserted_primary_key[0]
        account = conn.execute(select(User.id, User.failures_cleared_at, User.guessing_warned_at)
                               .where(User.email == email)).first()
        cleared = account.failures_cleared_at if account is not None else None

        def failures(*conditions, since: datetime):
            return conn.execute(
                select(LoginAttempt.created_at)
                .where(LoginAttempt.success.is_(False), LoginAttempt.id != attempt_id,
                       LoginAttempt.created_at >= since, *conditions)
                .order_by(LoginAttempt.created_at)).scalars().all()

        tight_since = max(now - window, cleared) if cleared else now - window
        account_since = now - cfg["LOGIN_ACCOUNT_WINDOW"]
        if cleared and cleared > account_since:
            account_since = cleared
        pair = failures(LoginAttempt.email == email, LoginAttempt.ip == ip, since=tight_since)
        # What the holder forgave (a reset, a correct code) no longer counts for the address
        # either; other accounts' failures from this address still do.
        forgiven = [or_(LoginAttempt.email != email, LoginAttempt.created_at >= cleared)] if cleared else []
        from_address = failures(LoginAttempt.ip == ip, *forgiven, since=now - window)
        on_account = failures(LoginAttempt.email == email, since=account_since)

        refused = None
        if len(pair) >= limit:
            refused = GuessingRefused(pair[len(pair) - limit] + window, "account_address")
        elif len(from_address) >= limit:
            refused = GuessingRefused(from_address[len(from_address) - limit] + window, "address")
        elif not trusted and len(on_account) >= cfg["LOGIN_ACCOUNT_FREE_FAILURES"]:
            delay = account_delay(len(on_account))
            if now < on_account[-1] + delay:
                refused = GuessingRefused(on_account[-1] + delay, "account")
        if refused is not None:
            conn.execute(delete(table).where(table.c.id == attempt_id))
            attempt_id = None

        warn_user_id = None
        failed = len(on_account) + (1 if refused is None else 0)
        if account is not None and (failed >= cfg["LOGIN_GUESSING_WARN_AT"] or refused is not None):
            period_start = now - cfg["LOGIN_GUESSING_WARN_PERIOD"]
            claimed = conn.execute(
                update(User).where(User.id == account.id, or_(User.guessing_warned_at.is_(None),
                                                              User.guessing_warned_at < period_start))
                .values(guessing_warned_at=now))
            if claimed.rowcount == 1:
                warn_user_id = account.id
    return _Gate(attempt_id, refused, warn_user_id)


def account_delay(failures: int) -> timedelta:
    """The wait before the next attempt on an account with ``failures`` recent failures."""
    cfg = current_app.config
    extra = failures - cfg["LOGIN_ACCOUNT_FREE_FAILURES"]
    if extra < 0:
        return timedelta(0)
    return min(timedelta(seconds=2 ** min(extra, 30)), cfg["LOGIN_ACCOUNT_MAX_DELAY"])


def _warn_holder(user: User | None) -> None:
    """Tell the account holder that their password or codes are being guessed at."""
    if user is None or not user.active:
        return
    send_template(user.email, "account_guessing", locale=user.locale, user=user,
                  reset_link=url_for("auth.forgot_password", _external=True))


# --- what the person is told ----------------------------------------------------------------

def guessing_message(refused: GuessingRefused, *, at_login: bool = True) -> str:
    """Why a password or code was not even checked, and from when it will be."""
    first = _("There were too many failed login attempts.") if at_login \
        else _("There were too many wrong passwords or codes for this account.")
    lift = _("Or choose a new password with a link by e-mail; that lifts the limit.")
    return f"{first} {retry_message(refused.retry_at)} {lift}"


def retry_after(refused: GuessingRefused) -> dict[str, str]:
    """The Retry-After header for a refused attempt."""
    return {"Retry-After": str(retry_after_seconds(refused.retry_at))}



# --- browsers where the holder logged in before ------------------------------------------------

def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="consult-device")


def remember_device(response, user: User):
    """Mark this browser as one where ``user`` logged in (or reset the password)."""
    lifetime = current_app.config["TRUSTED_DEVICE_LIFETIME"]
    response.set_cookie(DEVICE_COOKIE, _device_serializer().dumps({"u": user.id}),
                        max_age=int(lifetime.total_seconds()), httponly=True, samesite="Lax",
                        secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


def is_trusted_device(email: str) -> bool:
    """True when the request carries a valid cookie for the account ``email``."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return False
    try:
        data = _device_serializer().loads(
            raw, max_age=int(current_app.config["TRUSTED_DEVICE_LIFETIME"].total_seconds()))
    except BadSignature:
        return False
    user_id = db.session.scalar(select(User.id).where(User.email == email))
    return user_id is not None and data.get("u") == user_id

"""Login sessions: the user loader, server-side revocation, idle and absolute timeouts."""
from __future__ import annotations

import time
from functools import cache

from flask import current_app, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload, with_expression

from consult.auth.models import User
from consult.core.htmx import current_url, htmx_redirect, is_htmx
from consult.extensions import db, login_manager

AUTH_AT = "auth_at"
SEEN_AT = "seen_at"
# Set by single sign-on (consult.sso) while the person is logged in through an identity provider: the
# provider's name, the person's issuer and subject there, its session (sid), whether it asserted more
# than a password ("mfa"), and its id token only when short (the session is a cookie).
SIGNED_ON = "sso"

# Hooks for features built on auth (auth imports none of them): checks that may refuse a password login
# (True: allowed), and where to send the browser after logging out (a response, or None).
password_login_checks: list = []
logout_redirects: list = []


def password_login_allowed(user: User) -> bool:
    return all(check(user) for check in password_login_checks)


def logout_redirect(signed_on: dict | None):
    """Where a hook sends the browser after logout (an identity provider's logout), or None."""
    for hook in logout_redirects:
        response = hook(signed_on)
        if response is not None:
            return response
    return None


@cache
def _user_for_session():
    """One statement for everything nearly every request asks of the person: the user, their
    memberships with the organisations, and whether they sit on a team (two-step login). Built
    once (on every request, building it cost more than running it), at the first request: the
    relationships it names need every model."""
    return (select(User).where(User.id == bindparam("user_id"))
            .options(joinedload(User.memberships), with_expression(User.on_a_team, User.team_places.any())))


@login_manager.user_loader
def load_user(ident: str) -> User | None:
    """The session holds ``id:session_token``; a rotated token ends the session."""
    user_id, _sep, token = ident.partition(":")
    if not user_id.isdigit() or not token:
        return None
    user = db.session.scalars(_user_for_session(), {"user_id": int(user_id)}).unique().first()
    if user is None or not user.is_active or not user.session_token_matches(token):
        return None
    return user


@login_manager.unauthorized_handler
def unauthorized():
    """Send anonymous visitors to the login page; htmx requests get HX-Redirect."""
    if is_htmx():
        current = current_url() or ""
        return htmx_redirect(url_for("auth.login", next=_path_of(current) or None))
    flash(_("Log in to continue."), "info")
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def _path_of(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.host:
        return ""
    return parts.path + (f"?{parts.query}" if parts.query else "")


def start_session(user: User) -> None:
    """Log ``user`` in with a fresh session (no data carried over from before the login)."""
    session.clear()
    login_user(user)
    now = int(time.time())
    session[AUTH_AT] = now
    session[SEEN_AT] = now


def end_session() -> None:
    logout_user()
    session.clear()


def enforce_session_timeouts():
    """Log out after the idle timeout or the absolute timeout, whichever comes first."""
    if request.endpoint == "static" or not current_user._get_current_object().is_authenticated:
        return None
    now = int(time.time())
    cfg = current_app.config
    auth_at = session.get(AUTH_AT, 0)
    seen_at = session.get(SEEN_AT, 0)
    expired = (now - auth_at > cfg["ABSOLUTE_TIMEOUT"].total_seconds()
               or now - seen_at > cfg["IDLE_TIMEOUT"].total_seconds())
    if expired:
        end_session()
        flash(_("You have been logged out because your session expired. Log in again to continue."),
              "warning")
        return login_manager.unauthorized()
    if now != seen_at and now - seen_at >= idle_stamp_step(cfg):
        session[SEEN_AT] = now
    return None


def idle_stamp_step(config) -> int:
    """How long the stored moment of the last request may lag behind: a sixtieth of the idle timeout
    (30 s of 30 minutes). Writing it on every request changed the session on every autosave, so its
    cookie was signed and sent again each time. The session can so end up to this much sooner than
    the idle timeout after the last request, never later; the page counts down that much less
    (:func:`page_idle_timeout`), so "Stay logged in" is always offered in time."""
    return int(config["IDLE_TIMEOUT"].total_seconds()) // 60


def page_idle_timeout(config) -> int:
    """The idle timeout the page's warning counts down from its last request (consult.js)."""
    return int(config["IDLE_TIMEOUT"].total_seconds()) - idle_stamp_step(config)

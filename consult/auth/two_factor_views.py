"""Two-step login: the code step after the password, setting it up, recovery codes, switching off."""
from __future__ import annotations

import time

from flask import (
    abort,
    current_app,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required

from consult.audit.services import record_event
from consult.auth import bp
from consult.auth.forms import TwoFactorCodeForm
from consult.auth.lockout import (
    GuessingRefused,
    check_secret,
    clear_failures,
    guessing_message,
    remember_device,
    retry_after,
)
from consult.auth.models import User
from consult.auth.services import record_login
from consult.auth.session import SIGNED_ON, start_session
from consult.auth.twofactor import (
    check_code,
    disable,
    enable,
    grouped,
    matching_step,
    new_secret,
    provisioning_uri,
    qr_svg,
    regenerate_recovery_codes,
    requires_two_factor,
    unused_recovery_codes,
)
from consult.core.htmx import htmx_redirect, is_htmx
from consult.core.limits import limit_route
from consult.core.security import safe_next
from consult.extensions import db

PENDING = "two_factor_pending"
SETUP_SECRET = "two_factor_setup"
# Pages a person who must set up two-step login can still reach.
OPEN_ENDPOINTS = {
    "static", "auth.two_factor", "auth.two_factor_qr", "auth.logout", "auth.extend_session",
    "core.healthz", "core.language", "core.privacy", "core.accessibility", "core.contact",
}


def begin_code_step(user: User, next_url: str, carry: dict | None = None):
    """The password (or a login at an identity provider) was right; ask for the code before the
    session starts. ``carry`` goes into the session once the code is right."""
    session.clear()
    session[PENDING] = {"user": user.id, "token": user.session_token, "at": int(time.time()),
                        "next": next_url, "carry": carry or {}}
    return redirect(url_for("auth.login_code"))


def _pending_user() -> tuple[User | None, dict]:
    pending = session.get(PENDING) or {}
    if not pending or time.time() - pending.get("at", 0) > current_app.config["TWO_FACTOR_PENDING_SECONDS"]:
        return None, pending
    user = db.session.get(User, pending.get("user"))
    if user is None or not user.is_active or not user.two_factor_enabled \
            or not user.session_token_matches(pending.get("token", "")):
        return None, pending
    return user, pending


@bp.route("/login/code", methods=["GET", "POST"])
def login_code():
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("Log in again: the step with the code took too long or was not started."), "warning")
        return redirect(url_for("auth.login"))
    form = TwoFactorCodeForm()
    if form.validate_on_submit():
        try:
            kind = check_secret(user.email, "code", lambda: check_code(user, form.code.data))
        except GuessingRefused as refused:
            record_event("login_code", actor=user, obj=user, result="throttled")
            db.session.commit()
            form.form_errors.append(guessing_message(refused))
            return render_template("auth/login_code.html", form=form), 429, retry_after(refused)
        if kind is None:
            record_event("login_code", actor=user, obj=user, result="failure")
            db.session.commit()
            form.code.errors.append(_("This code is not correct or has already been used. Enter "
                                      "the code your app shows now, or one of your recovery codes."))
        else:
            start_session(user)
            session.update(pending.get("carry") or {})
            record_login(user, method=kind)
            clear_failures(user)
            db.session.commit()
            if kind == "recovery":
                left = unused_recovery_codes(user)
                flash(ngettext("You used a recovery code. You have %(num)d left; make new ones on "
                               "your account page.", "You used a recovery code. You have %(num)d "
                               "left; make new ones on your account page.", left), "warning")
            return remember_device(redirect(safe_next(pending.get("next"), url_for("home.index"))), user)
    return render_template("auth/login_code.html", form=form)


def enforce_two_factor():
    """Admins and team members reach nothing but the set-up page until two-step login is on."""
    if not current_app.config["TWO_FACTOR_REQUIRED"] or request.endpoint in OPEN_ENDPOINTS:
        return None
    user: User = current_user._get_current_object()
    if not user.is_authenticated or user.two_factor_enabled:
        return None
    if not requires_two_factor(user):
        return None
    if (session.get(SIGNED_ON) or {}).get("mfa"):
        return None  # the identity provider asserted a login with more than a password
    flash(_("Your role on the platform requires two-step login. Set it up to continue."), "warning")
    if is_htmx():
        return htmx_redirect(url_for("auth.two_factor"))
    return redirect(url_for("auth.two_factor"))


def _codes_form() -> TwoFactorCodeForm:
    return TwoFactorCodeForm(prefix="codes", formdata=None)


def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
@limit_route("two_factor_setup", methods=("POST",))
def two_factor():
    user: User = current_user._get_current_object()
    form = TwoFactorCodeForm()
    required = requires_two_factor(user)
    if user.two_factor_enabled:
        return _no_store(make_response(render_template(
            "auth/two_factor.html", form=form, codes_form=_codes_form(), required=required,
            codes_left=unused_recovery_codes(user))))
    secret = session.get(SETUP_SECRET)
    if not secret:
        secret = session[SETUP_SECRET] = new_secret()
    if form.validate_on_submit():
        codes = enable(user, secret, form.code.data)
        if codes is None:
            record_event("two_factor_setup_failed", actor=user, obj=user, result="failure")
            db.session.commit()
            form.code.errors.append(_("This code does not match. Check that the app shows the "
                                      "account you just added and enter the code it shows now."))
        else:
            session.pop(SETUP_SECRET, None)
            db.session.commit()
            return _no_store(make_response(render_template(
                "auth/recovery_codes.html", codes=codes, just_enabled=True)))
    return _no_store(make_response(render_template(
        "auth/two_factor_setup.html", form=form, secret=grouped(secret), required=required)))


@bp.route("/account/two-factor/qr.svg")
@login_required
def two_factor_qr():
    secret = session.get(SETUP_SECRET)
    if not secret or current_user.two_factor_enabled:
        abort(404)
    response = make_response(qr_svg(provisioning_uri(current_user, secret)))
    response.mimetype = "image/svg+xml"
    return _no_store(response)


def _check_current_code(user: User, form: TwoFactorCodeForm) -> bool:
    """Check a code on the account page; it counts towards the same limits as the login."""
    try:
        step = check_secret(user.email, "code", lambda: matching_step(
            user.totp_secret, form.code.data, after=user.totp_last_counter))
    except GuessingRefused as refused:
        record_event("two_factor_check_failed", actor=user, obj=user, result="throttled")
        db.session.commit()
        form.form_errors.append(guessing_message(refused, at_login=False))
        g.guessing_refused = refused
        return False
    if step is None:
        record_event("two_factor_check_failed", actor=user, obj=user, result="failure")
        db.session.commit()
        form.code.errors.append(_("This code is not correct or has already been used. Enter the "
                                  "code your app shows now."))
        return False
    user.totp_last_counter = step
    clear_failures(user)
    return True


def _refused_or_page(response):
    """The account page again; with 429 and Retry-After when the code was not even checked."""
    refused = g.get("guessing_refused")
    if refused is not None:
        response.status_code = 429
        response.headers.update(retry_after(refused))
    return _no_store(response)


@bp.route("/account/two-factor/recovery-codes", methods=["POST"])
@login_required
def two_factor_new_codes():
    user: User = current_user._get_current_object()
    if not user.two_factor_enabled:
        return redirect(url_for("auth.two_factor"))
    form = TwoFactorCodeForm(prefix="codes")
    if form.validate_on_submit() and _check_current_code(user, form):
        codes = regenerate_recovery_codes(user)
        db.session.commit()
        return _no_store(make_response(render_template("auth/recovery_codes.html", codes=codes,
                                                       just_enabled=False)))
    return _refused_or_page(make_response(render_template(
        "auth/two_factor.html", form=TwoFactorCodeForm(formdata=None), codes_form=form,
        required=requires_two_factor(user), codes_left=unused_recovery_codes(user))))


@bp.route("/account/two-factor/off", methods=["POST"])
@login_required
def two_factor_off():
    user: User = current_user._get_current_object()
    if not user.two_factor_enabled:
        return redirect(url_for("auth.two_factor"))
    required = requires_two_factor(user)
    form = TwoFactorCodeForm()
    if required:
        form.form_errors.append(_("Your role requires two-step login, so it cannot be switched off."))
    elif form.validate_on_submit() and _check_current_code(user, form):
        disable(user, by=user)
        db.session.commit()
        flash(_("Two-step login is off. You log in with your password only."), "ok")
        return redirect(url_for("auth.account"))
    return _refused_or_page(make_response(render_template(
        "auth/two_factor.html", form=form, codes_form=_codes_form(), required=required,
        codes_left=unused_recovery_codes(user))))

"""Login, logout, password reset, e-mail verification, invitations and the account page."""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from consult.audit.services import record_event
from consult.auth import bp
from consult.auth.forms import (
    AccountForm,
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    ResendVerificationForm,
    ResetPasswordForm,
)
from consult.auth.lockout import (
    GuessingRefused,
    check_secret,
    clear_failures,
    guessing_message,
    remember_device,
    retry_after,
)
from consult.auth.models import TokenPurpose
from consult.auth.passwords import verify_password
from consult.auth.services import (
    TOKEN_MESSAGES,
    LoginThrottled,
    TokenError,
    authenticate,
    check_token,
    consume_token,
    get_user_by_email,
    logout_user_everywhere,
    record_login,
    send_password_reset,
    send_verification,
    set_password,
)
from consult.auth.services import (
    verify_email as verify_email_token,
)
from consult.auth.session import (
    SIGNED_ON,
    end_session,
    logout_redirect,
    page_idle_timeout,
    password_login_allowed,
    start_session,
)
from consult.auth.two_factor_views import begin_code_step
from consult.core.htmx import is_htmx
from consult.core.i18n import select_locale
from consult.core.limits import Throttled, check_all, limit_route, refused_form
from consult.core.security import safe_next
from consult.extensions import db


@bp.app_context_processor
def _idle_timeout():
    return {"idle_timeout_seconds": page_idle_timeout(current_app.config)}


@bp.route("/login", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next"), url_for("home.index"))
    if current_user.is_authenticated:
        return redirect(next_url)
    form = LoginForm(next=next_url)
    if form.validate_on_submit():
        try:
            user = authenticate(form.email.data, form.password.data)
        except LoginThrottled as refused:
            db.session.commit()
            form.form_errors.append(guessing_message(refused))
            return render_template("auth/login.html", form=form), 429, retry_after(refused)
        if user is None:
            form.form_errors.append(_("The e-mail address or the password is not correct."))
        elif not user.active:
            form.form_errors.append(_("This account has been switched off. Contact the "
                                      "administrator of the platform."))
        elif user.email_verified_at is None:
            db.session.commit()
            flash(_("Confirm your e-mail address first with the link we sent you. "
                    "You can request a new link below."), "warning")
            return redirect(url_for("auth.resend_verification", email=user.email))
        elif not password_login_allowed(user):
            record_event("login", actor=user, obj=user, result="refused", reason="staff_password_login_off")
            form.form_errors.append(_("Staff of the municipality log in with their municipal account: "
                                      "use the button below the form."))
        elif user.two_factor_enabled:
            db.session.commit()
            return begin_code_step(user, safe_next(form.next.data, url_for("home.index")))
        else:
            start_session(user)
            record_login(user)
            db.session.commit()
            return remember_device(redirect(safe_next(form.next.data, url_for("home.index"))), user)
        db.session.commit()
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    signed_on = session.get(SIGNED_ON)
    logout_user_everywhere(current_user)
    db.session.commit()
    end_session()
    flash(_("You have been logged out."), "ok")
    # Logged in at an identity provider: end that session too, where the provider allows it.
    return logout_redirect(signed_on) or redirect(url_for("home.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            check_all(("reset_request", "reset_request_email"), form.email.data)
        except Throttled as refused:
            return refused_form("auth/forgot.html", form, _("You asked for a new password too often."),
                                refused.retry_at)
        send_password_reset(form.email.data, locale=select_locale())
        db.session.commit()
        # The same answer whether or not the address has an account.
        return render_template("auth/forgot_sent.html", email=form.email.data)
    return render_template("auth/forgot.html", form=form)


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@limit_route("token_link")
def reset_password(token: str):
    try:
        check_token(token, TokenPurpose.RESET)
    except TokenError as error:
        return render_template("auth/token_problem.html", message=TOKEN_MESSAGES[error.reason](),
                               retry_url=url_for("auth.forgot_password")), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        user = consume_token(token, TokenPurpose.RESET)
        set_password(user, form.password.data, by=user, action="password_reset")
        # Only the mailbox's owner gets here: whatever was guessed at the account is forgiven,
        # and this browser is known from now on (no delays for it).
        clear_failures(user)
        db.session.commit()
        flash(_("Your password has been changed. Log in with your new password."), "ok")
        return remember_device(redirect(url_for("auth.login")), user)
    return render_template("auth/reset.html", form=form)


@bp.route("/verify/<token>")
@limit_route("token_link")
def verify_email(token: str):
    try:
        verify_email_token(token)
    except TokenError as error:
        return render_template("auth/token_problem.html", message=TOKEN_MESSAGES[error.reason](),
                               retry_url=url_for("auth.resend_verification")), 400
    db.session.commit()
    flash(_("Thank you, your e-mail address is confirmed. You can now log in."), "ok")
    return redirect(url_for("auth.login"))


@bp.route("/verify", methods=["GET", "POST"])
def resend_verification():
    form = ResendVerificationForm(email=request.args.get("email", ""))
    if form.validate_on_submit():
        try:
            check_all(("verification_request", "verification_request_email"), form.email.data)
        except Throttled as refused:
            return refused_form("auth/resend_verification.html", form, _("You asked for a new confirmation link too often."),
                                refused.retry_at)
        user = get_user_by_email(form.email.data)
        if user is not None and user.active and user.email_verified_at is None:
            send_verification(user)
            db.session.commit()
        return render_template("auth/verify_sent.html", email=form.email.data)
    return render_template("auth/resend_verification.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = AccountForm(obj=current_user)
    password_form = ChangePasswordForm(prefix="pw")
    if form.validate_on_submit():
        current_user.name = form.name.data
        current_user.locale = form.locale.data
        db.session.commit()
        flash(_("Your details have been saved."), "ok")
        return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, password_form=password_form)


@bp.route("/account/password", methods=["POST"])
@login_required
def change_password():
    form = AccountForm(obj=current_user, formdata=None)
    password_form = ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            correct = check_secret(user.email, "password", lambda: verify_password(
                user.password_hash, password_form.current_password.data))
        except GuessingRefused as refused:
            db.session.commit()
            password_form.form_errors.append(guessing_message(refused, at_login=False))
            return (render_template("auth/account.html", form=form, password_form=password_form),
                    429, retry_after(refused))
        if not correct:
            password_form.current_password.errors.append(_("Your current password is not correct."))
        else:
            set_password(user, password_form.password.data, by=user, action="password_changed")
            db.session.commit()
            # Every other session has ended; this one continues with the new token.
            start_session(user)
            flash(_("Your password has been changed. You have been logged out everywhere else."),
                  "ok")
            return redirect(url_for("auth.account"))
    return render_template("auth/account.html", form=form, password_form=password_form)




@bp.route("/session/extend", methods=["POST"])
@login_required
def extend_session():
    """Answer the idle-timeout warning: any authenticated request renews the idle timer (the warning
    comes long after the stored moment of the last request, so this one is stored)."""
    if is_htmx():
        return "", 204
    return redirect(safe_next(request.form.get("next"), url_for("home.index")))

"""Single sign-on: the login at an identity provider, its answer, completing an eHerkenning
registration, and the provider's back-channel logout. Every route answers 404 for a provider that
is not configured."""
from __future__ import annotations

import time
from functools import wraps
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from flask import abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from joserfc.errors import JoseError

from consult.audit.services import record_event
from consult.auth.lockout import remember_device
from consult.auth.services import get_user_by_email, record_login, revoke_sessions
from consult.auth.session import logout_redirects, password_login_checks, start_session
from consult.auth.two_factor_views import begin_code_step
from consult.core.i18n import select_locale
from consult.core.limits import Throttled, check_all, limit_route, note_secret_check, refused_form
from consult.core.security import CSP, safe_next
from consult.extensions import csrf, db
from consult.orgs.forms import EherkenningMemberForm, EherkenningRegisterForm
from consult.orgs.models import Organisation, OrgKind
from consult.sso import bp
from consult.sso.services import (
    MULTI_FACTOR_LEVEL,
    SESSION_KEY,
    LogoutTokenError,
    SsoRefused,
    asserted_multi_factor,
    assurance_of,
    complete_eherkenning,
    configured_providers,
    find_identity,
    identities_to_log_out,
    is_staff,
    level_rank,
    login_eherkenning,
    login_staff,
    oauth_client,
    provider,
    refusal,
    short_id_token,
    signed_on,
    validate_logout_token,
)

NEXT = "sso_next"
# Set when a logged-in person starts a login at a provider: the identity is linked to their account.
LINK = "sso_link"
PENDING = "eherkenning_pending"
PENDING_SECONDS = 30 * 60
PROVIDER_RULE = "<any(staff, eherkenning):name>"


@bp.app_context_processor
def _sso_buttons():
    return {"sso_providers": configured_providers}


def password_login_allowed(user) -> bool:
    """Whether ``user`` may log in with a password: not staff while STAFF_PASSWORD_LOGIN is off
    and the municipality's provider is configured."""
    if current_app.config.get("STAFF_PASSWORD_LOGIN", True) or provider("staff") is None:
        return True
    return not is_staff(user)


def provider_logout(sign_on: dict | None):
    """A redirect to the provider's end-session endpoint (RP-initiated logout), or None when the
    person did not log in there or the provider has no such endpoint. With the id token as hint when
    the session kept it (short tokens), and always with the client id (RP-Initiated Logout 1.0 allows
    the client id alone). The logout's state is not kept: the provider returns to the home page,
    which asks nothing of it."""
    config = provider(sign_on.get("provider", "")) if sign_on else None
    if config is None:
        return None
    client = oauth_client(config)
    try:
        metadata = client.load_server_metadata()
    except (requests.RequestException, ValueError):
        return None
    if not metadata.get("end_session_endpoint"):
        return None
    logout = client.create_logout_url(post_logout_redirect_uri=url_for("home.index", _external=True),
                                      id_token_hint=sign_on.get("id_token"), client_id=config.client_id)
    return redirect(logout["url"])


@bp.after_app_request
def _allow_logout_at_provider(response):
    """A person logged in through a provider leaves by a form (the logout button) that redirects to
    the provider's end-session page: the pages they see allow that origin as a form target."""
    if response.mimetype != "text/html" or not configured_providers():
        return response
    sign_on = session.get(SESSION_KEY)
    config = provider(sign_on.get("provider", "")) if sign_on else None
    if config is None:
        return response
    origins = {_origin(config.discovery_url)}
    # Only what is known already: a page never waits for the provider.
    endpoint = oauth_client(config).server_metadata.get("end_session_endpoint")
    if endpoint:
        origins.add(_origin(endpoint))
    policy = response.headers.get("Content-Security-Policy", CSP)
    response.headers["Content-Security-Policy"] = policy.replace(
        "form-action 'self'", " ".join(["form-action 'self'", *sorted(origins)]), 1)
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def configured(view):
    """404 for a provider that is not configured (before any limit counts)."""

    @wraps(view)
    def wrapper(name: str, **kwargs):
        if provider(name) is None:
            abort(404)
        return view(name, **kwargs)

    return wrapper


def _refused(name: str, reason: str, detail: dict | None = None, *, error: Exception | None = None):
    """The page that says why the login was refused (400, 403 or 503), with an audit event."""
    detail = detail or {}
    db.session.rollback()
    if error is not None:
        detail = {**detail, "error": type(error).__name__, "description": str(error)[:200]}
    record_event("sso_refused", result="failure", provider=name, reason=reason,
                 **{key: str(value) for key, value in detail.items() if value is not None})
    db.session.commit()
    status, message = refusal(reason, detail)
    return render_template("auth/sso_refused.html", message=message), status


@bp.route(f"/login/sso/{PROVIDER_RULE}")
@configured
def login(name: str):
    """Send the person to the identity provider (with state, nonce and PKCE). A person who is logged
    in already links the identity at the provider to their account (their login here is the proof
    that the account is theirs)."""
    if current_user.is_authenticated:
        session[LINK] = current_user.id
        session[NEXT] = safe_next(request.args.get("next"), url_for("auth.account"))
    else:
        session.pop(LINK, None)
        session[NEXT] = safe_next(request.args.get("next"), url_for("home.index"))
    try:
        return oauth_client(provider(name)).authorize_redirect(
            url_for("sso.callback", name=name, _external=True))
    except (requests.RequestException, ValueError, AuthlibBaseError) as error:
        return _refused(name, "unavailable", error=error)


def _answer(name: str):
    """The provider's validated token, or the refusal page."""
    note_secret_check("token")
    if request.args.get("error"):
        return None, _refused(name, "denied", {"answer": request.args["error"][:100]})
    try:
        token = oauth_client(provider(name)).authorize_access_token()
    except requests.RequestException as error:
        return None, _refused(name, "unavailable", error=error)
    except AuthlibBaseError as error:
        # A missing or used state, a code the provider does not know (any more), a token error.
        reason = "state" if getattr(error, "error", "") in ("mismatching_state", "invalid_grant") else "token"
        return None, _refused(name, reason, error=error)
    except (JoseError, ValueError, RuntimeError) as error:
        # Signature, audience, issuer, expiry or nonce of the id token (or metadata without keys).
        return None, _refused(name, "token", error=error)
    if not token.get("userinfo") or not token["userinfo"].get("sub"):
        return None, _refused(name, "token")
    return token, None


@bp.route(f"/login/sso/{PROVIDER_RULE}/callback")
@configured
@limit_route("sso_callback")
def callback(name: str):
    """The provider's answer: log the person in, or ask what is still needed."""
    token, refused = _answer(name)
    if refused is not None:
        return refused
    claims = dict(token["userinfo"])
    next_url = safe_next(session.pop(NEXT, None), url_for("home.index"))
    linking = session.pop(LINK, None)
    link_to = current_user._get_current_object() \
        if current_user.is_authenticated and linking == current_user.id else None
    id_token = token.get("id_token")
    linked_now = link_to is not None and find_identity(name, claims["iss"], claims["sub"]) is None
    try:
        if name == "staff":
            user, mfa = login_staff(claims, link_to=link_to), asserted_multi_factor(claims)
        else:
            outcome = login_eherkenning(claims, link_to=link_to)
            if outcome.user is None:
                db.session.commit()
                # Only what completing needs (the id token when short: the session is a cookie).
                session[PENDING] = {**outcome.pending, "id_token": short_id_token(id_token)}
                return redirect(url_for("sso.eherkenning_complete"))
            # eH2+ and higher have two factors of their own.
            user, mfa = outcome.user, level_rank(assurance_of(claims)) >= MULTI_FACTOR_LEVEL
    except SsoRefused as refusal_:
        return _refused(name, refusal_.reason, refusal_.detail)
    assurance = claims.get("acr") if name == "staff" else assurance_of(claims)
    answer = _log_in(user, signed_on(name, claims, id_token, mfa=mfa, assurance=assurance), next_url)
    if linked_now:
        flash(_("Your account at the identity provider is now linked to this account."), "ok")
    return answer


def _log_in(user, sign_on: dict, next_url: str):
    """Start the session, after the platform's own code when the provider asserted no second factor
    and the person has two-step login on."""
    if not user.is_active:
        return _refused(sign_on["provider"], "unverified" if user.active else "inactive")
    if not sign_on["mfa"] and user.two_factor_enabled:
        db.session.commit()
        return begin_code_step(user, next_url, carry={SESSION_KEY: sign_on})
    start_session(user)
    session[SESSION_KEY] = sign_on
    record_login(user, method="sso", provider=sign_on["provider"], assurance=sign_on["assurance"],
                 multi_factor=sign_on["mfa"])
    db.session.commit()
    return remember_device(redirect(next_url), user)


def _pending() -> dict | None:
    pending = session.get(PENDING)
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS or provider("eherkenning") is None:
        return None
    return pending


@bp.route("/login/eherkenning/complete", methods=["GET", "POST"])
def eherkenning_complete():
    """After an eHerkenning login for an organisation the person is not linked to yet: their
    details (and the organisation's, when it is new here); the KvK number comes from the login."""
    pending = _pending()
    if pending is None:
        if provider("eherkenning") is None:
            abort(404)
        flash(_("Log in with eHerkenning first."), "warning")
        return redirect(url_for("auth.login"))
    org = db.session.get(Organisation, pending["organisation_id"]) if pending.get("organisation_id") else None
    form_class = EherkenningMemberForm if org is not None else EherkenningRegisterForm
    form = form_class(data={"name": pending.get("name"), "email": pending.get("email")})
    context = {"form": form, "org": org, "kvk": pending["kvk"], "level": pending.get("level")}
    if form.validate_on_submit():
        try:
            check_all(("registration", "registration_email"), form.email.data)
        except Throttled as refused:
            return refused_form("auth/eherkenning_complete.html", form,
                                _("There were too many registrations in a short time."), refused.retry_at,
                                **{k: v for k, v in context.items() if k != "form"})
        if get_user_by_email(form.email.data) is not None:
            form.email.errors.append(_("There is already an account with this e-mail address. Log in with "
                                       "it, or ask your organisation's contact person for an invitation."))
            return render_template("auth/eherkenning_complete.html", **context)
        kind = getattr(form, "kind", None)
        try:
            user = complete_eherkenning(pending, name=form.name.data, email=form.email.data,
                                        org_name=getattr(form, "org_name", None) and form.org_name.data,
                                        website=getattr(form, "website", None) and form.website.data,
                                        kind=OrgKind(kind.data) if kind is not None else OrgKind.PROVIDER,
                                        locale=select_locale())
        except SsoRefused as refusal_:
            session.pop(PENDING, None)
            return _refused("eherkenning", refusal_.reason, refusal_.detail)
        session.pop(PENDING, None)
        if not user.is_active:
            db.session.commit()
            return render_template("auth/verify_sent.html", email=user.email)
        sign_on = signed_on("eherkenning", pending, pending.get("id_token"),
                            mfa=level_rank(pending.get("level")) >= MULTI_FACTOR_LEVEL,
                            assurance=pending.get("level"))
        return _log_in(user, sign_on, url_for("home.index"))
    return render_template("auth/eherkenning_complete.html", **context)


@bp.route(f"/sso/{PROVIDER_RULE}/backchannel-logout", methods=["POST"])
@csrf.exempt
@configured
@limit_route("sso_backchannel")
def backchannel_logout(name: str):
    """The provider says a person logged out there: end their sessions here (OpenID Connect
    Back-Channel Logout 1.0). No CSRF token: the provider posts; the signed token is the proof."""
    note_secret_check("token")
    try:
        claims = validate_logout_token(provider(name), request.form.get("logout_token", ""))
    except LogoutTokenError as error:
        record_event("sso_backchannel_logout", result="failure", provider=name, reason=str(error))
        db.session.commit()
        return _no_store({"error": "invalid_request", "error_description": "logout token refused"}, 400)
    except (requests.RequestException, AuthlibBaseError, RuntimeError):
        # The provider's metadata or keys could not be fetched: it may send the token again.
        return _no_store({"error": "temporarily_unavailable"}, 503)
    for identity in identities_to_log_out(name, claims):
        revoke_sessions(identity.user)
        record_event("sso_backchannel_logout", obj=identity.user, provider=name, sid=claims.get("sid"))
    db.session.commit()
    return _no_store({}, 200)


def _no_store(body: dict, status: int):
    return body, status, {"Cache-Control": "no-store"}


# auth asks these at the password login and at logout (consult.auth.session's hooks).
password_login_checks.append(password_login_allowed)
logout_redirects.append(provider_logout)

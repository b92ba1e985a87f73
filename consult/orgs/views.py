"""A provider registers its organisation; members see their organisation; contacts invite."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.audit.services import record_event
from consult.auth.forms import AcceptInvitationForm, ConfirmForm
from consult.auth.services import TOKEN_MESSAGES, get_user_by_email, record_login
from consult.auth.session import password_login_allowed, start_session
from consult.core.i18n import select_locale
from consult.core.limits import Throttled, check_all, limit_route, refused_form
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs import bp
from consult.orgs.forms import InviteForm, RegisterProviderForm
from consult.orgs.models import MemberRole, Membership, Organisation
from consult.orgs.permissions import can_manage_organisation, can_view_organisation
from consult.orgs.services import (
    InvitationError,
    invite,
    load_invitation,
    pending_invitation,
    pending_invitations,
    request_registration,
    resend_invitation,
    withdraw_invitation,
)
from consult.orgs.services import accept_invitation as accept_invitation_as


def load_organisation(org_id: int) -> Organisation:
    org = db.session.scalar(
        select(Organisation)
        .where(Organisation.id == org_id)
        .options(selectinload(Organisation.memberships).selectinload(Membership.user))
    )
    if org is None:
        abort(404)
    return org


@bp.route("/register", methods=["GET", "POST"])
def register():
    """Any interested provider may register its organisation (transparency)."""
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = RegisterProviderForm()
    if form.validate_on_submit():
        try:
            check_all(("registration", "registration_email"), form.email.data)
        except Throttled as refused:
            return refused_form("orgs/register.html", form, _("There were too many registrations in a short time."),
                                refused.retry_at)
        # The same answer whether or not the address or the KvK number is known; the mail
        # to the address says what happened.
        request_registration(org_name=form.org_name.data, kvk_number=form.kvk_number.data,
                             website=form.website.data, name=form.name.data,
                             email=form.email.data, password=form.password.data,
                             locale=select_locale())
        db.session.commit()
        return render_template("orgs/register_done.html", email=form.email.data)
    return render_template("orgs/register.html", form=form)


@bp.route("/organisation")
@login_required
def my_organisations():
    memberships = current_user.memberships
    if len(memberships) == 1:
        return redirect(url_for("orgs.organisation", org_id=memberships[0].organisation_id))
    return render_template("orgs/mine.html", memberships=memberships)


@bp.route("/organisation/<int:org_id>", methods=["GET", "POST"])
@login_required
def organisation(org_id: int):
    org = load_organisation(org_id)
    if not can_view_organisation(current_user, org):
        abort(404)
    form = InviteForm(role=MemberRole.MEMBER.value)
    if form.validate_on_submit():
        if not can_manage_organisation(current_user, org):
            abort(403)
        invite(org, form.email.data, MemberRole(form.role.data), by=current_user,
               locale=select_locale())
        db.session.commit()
        flash(_("An invitation has been sent to %(email)s.", email=form.email.data), "ok")
        return redirect(url_for("orgs.organisation", org_id=org.id))
    invitations = pending_invitations(org) if can_manage_organisation(current_user, org) else []
    return render_template("orgs/organisation.html", org=org, form=form, invitations=invitations, now=utcnow())


def _managed_invitation(org_id: int, invitation_id: int):
    """The organisation and one of its pending invitations, for its contact persons (and admins)."""
    org = load_organisation(org_id)
    if not can_view_organisation(current_user, org):
        abort(404)
    if not can_manage_organisation(current_user, org):
        abort(403)
    invitation = pending_invitation(org, invitation_id)
    if invitation is None:
        abort(404)
    return org, invitation


@bp.route("/organisation/<int:org_id>/invitations/<int:invitation_id>/resend", methods=["POST"])
@login_required
def resend(org_id: int, invitation_id: int):
    org, invitation = _managed_invitation(org_id, invitation_id)
    resend_invitation(invitation, by=current_user, locale=select_locale())
    db.session.commit()
    flash(_("The invitation to %(email)s has been sent again. The link in the earlier e-mail no longer works.",
            email=invitation.email), "ok")
    return redirect(url_for("orgs.organisation", org_id=org.id) + "#invitations-title")


@bp.route("/organisation/<int:org_id>/invitations/<int:invitation_id>/withdraw", methods=["POST"])
@login_required
def withdraw(org_id: int, invitation_id: int):
    org, invitation = _managed_invitation(org_id, invitation_id)
    email = invitation.email
    withdraw_invitation(invitation, by=current_user)
    db.session.commit()
    flash(_("The invitation to %(email)s has been withdrawn; its link no longer works.", email=email), "ok")
    return redirect(url_for("orgs.organisation", org_id=org.id) + "#invitations-title")


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@limit_route("token_link")
def accept_invitation(token: str):
    """An invited person joins the organisation: with the account they have (logged in as it),
    or with a new one made here."""
    try:
        invitation = load_invitation(token)
    except InvitationError as error:
        return render_template("auth/token_problem.html", message=TOKEN_MESSAGES[error.reason](),
                               retry_url=None), 400
    existing = get_user_by_email(invitation.email)
    if existing is not None:
        # The person has an account: accepting needs that account's login.
        if not current_user.is_authenticated or current_user.id != existing.id:
            return render_template("auth/invitation_login.html", invitation=invitation,
                                   login_url=url_for("auth.login", next=request.path))
        form = ConfirmForm()
        if form.validate_on_submit():
            accept_invitation_as(invitation, user=current_user)
            db.session.commit()
            flash(_("You are now a member of %(org)s.", org=invitation.organisation.name), "ok")
            return redirect(url_for("orgs.organisation", org_id=invitation.organisation_id))
        return render_template("auth/invitation_join.html", invitation=invitation, form=form)
    form = AcceptInvitationForm()
    if form.validate_on_submit():
        user = accept_invitation_as(invitation, user=None, name=form.name.data, password=form.password.data,
                      locale=select_locale())
        if not password_login_allowed(user):
            # Someone who may not log in with a password here (staff, while the municipality's
            # identity provider is the way in) gets no password and no session from the invitation.
            user.password_hash = None
            record_event("invitation_password_refused", actor=user, obj=invitation,
                         reason="password_login_not_allowed")
            db.session.commit()
            flash(_("You are now a member of %(org)s. Log in with your municipal account.",
                    org=invitation.organisation.name), "ok")
            return redirect(url_for("auth.login"))
        db.session.commit()
        start_session(user)
        record_login(user)
        db.session.commit()
        flash(_("Welcome! Your account is ready."), "ok")
        return redirect(url_for("orgs.organisation", org_id=invitation.organisation_id))
    return render_template("auth/invitation.html", invitation=invitation, form=form)

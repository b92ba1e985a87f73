"""Administration pages. Every view requires can_administer; every change is audited."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from consult.admin import bp
from consult.admin.forms import AdminRoleForm
from consult.admin.permissions import can_administer
from consult.auth.forms import ConfirmForm
from consult.auth.models import User
from consult.auth.services import activate_user, deactivate_user, set_admin
from consult.core.access import like_contains
from consult.core.htmx import render_page_or_partial
from consult.core.i18n import select_locale
from consult.extensions import db
from consult.orgs.forms import InviteForm, MembershipRoleForm, OrganisationEditForm, OrganisationForm
from consult.orgs.models import MemberRole, Membership, Organisation, OrgKind
from consult.orgs.services import (
    change_membership_role,
    confirm_kvk,
    create_organisation,
    invite,
    kvk_taken,
    remove_membership,
    update_organisation,
)
from consult.orgs.views import load_organisation

PER_PAGE = 25


@bp.before_request
@login_required
def require_admin():
    if not can_administer(current_user):
        abort(403)


@bp.route("/")
def index():
    return redirect(url_for("admin.users"))


@bp.route("/users")
def users():
    q = request.args.get("q", "").strip()[:200]
    query = select(User).options(selectinload(User.memberships).selectinload(Membership.organisation))
    if q:
        pattern = like_contains(q)
        query = query.where(or_(func.lower(User.name).like(pattern, escape="\\"),
                                User.email.like(pattern, escape="\\")))
    page = db.paginate(query.order_by(User.name, User.id), per_page=PER_PAGE, error_out=False)
    return render_page_or_partial("admin/users.html", "admin/_user_results.html", page=page, q=q)


def _load_user(user_id: int) -> User:
    user = db.session.scalar(
        select(User).where(User.id == user_id)
        .options(selectinload(User.memberships).selectinload(Membership.organisation))
    )
    if user is None:
        abort(404)
    return user


@bp.route("/users/<int:user_id>")
def user(user_id: int):
    target = _load_user(user_id)
    return render_template("admin/user.html", user=target, confirm=ConfirmForm(),
                           admin_form=AdminRoleForm(is_admin=target.is_admin),
                           role_form=MembershipRoleForm())


@bp.route("/users/<int:user_id>/deactivate", methods=["POST"])
def deactivate(user_id: int):
    target = _load_user(user_id)
    if ConfirmForm().validate_on_submit():
        if target.id == current_user.id:
            flash(_("You cannot switch off your own account."), "error")
        else:
            deactivate_user(target, by=current_user)
            db.session.commit()
            flash(_("The account of %(name)s has been switched off; their sessions have ended.",
                    name=target.name), "ok")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/users/<int:user_id>/activate", methods=["POST"])
def activate(user_id: int):
    target = _load_user(user_id)
    if ConfirmForm().validate_on_submit():
        activate_user(target, by=current_user)
        db.session.commit()
        flash(_("The account of %(name)s has been switched on.", name=target.name), "ok")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/users/<int:user_id>/admin", methods=["POST"])
def admin_role(user_id: int):
    target = _load_user(user_id)
    form = AdminRoleForm()
    if form.validate_on_submit():
        if target.id == current_user.id and not form.is_admin.data:
            flash(_("You cannot take away your own administrator role."), "error")
        else:
            set_admin(target, form.is_admin.data, by=current_user)
            db.session.commit()
            flash(_("The roles of %(name)s have been saved.", name=target.name), "ok")
    return redirect(url_for("admin.user", user_id=target.id))


@bp.route("/users/<int:user_id>/two-factor/reset", methods=["POST"])
def two_factor_reset(user_id: int):
    from consult.auth.twofactor import disable

    target = _load_user(user_id)
    if ConfirmForm().validate_on_submit() and target.two_factor_enabled:
        disable(target, by=current_user)
        db.session.commit()
        flash(_("Two-step login of %(name)s has been reset.", name=target.name), "ok")
    return redirect(url_for("admin.user", user_id=target.id))


def _load_membership(membership_id: int) -> Membership:
    membership = db.session.get(Membership, membership_id)
    if membership is None:
        abort(404)
    return membership


@bp.route("/memberships/<int:membership_id>/role", methods=["POST"])
def membership_role(membership_id: int):
    membership = _load_membership(membership_id)
    form = MembershipRoleForm()
    if form.validate_on_submit():
        change_membership_role(membership, MemberRole(form.role.data), by=current_user)
        db.session.commit()
        flash(_("The role has been changed."), "ok")
    return _back_from_membership(membership.organisation_id, membership.user_id)


@bp.route("/memberships/<int:membership_id>/remove", methods=["POST"])
def membership_remove(membership_id: int):
    membership = _load_membership(membership_id)
    org_id, user_id = membership.organisation_id, membership.user_id
    if ConfirmForm().validate_on_submit():
        remove_membership(membership, by=current_user)
        db.session.commit()
        flash(_("The membership has been removed."), "ok")
    return _back_from_membership(org_id, user_id)


def _back_from_membership(org_id: int, user_id: int):
    """Membership changes are made from the organisation page or the user page."""
    if request.form.get("back") == "org":
        return redirect(url_for("admin.organisation", org_id=org_id))
    return redirect(url_for("admin.user", user_id=user_id))


@bp.route("/organisations")
def organisations():
    q = request.args.get("q", "").strip()[:200]
    kind = request.args.get("kind", "")
    query = select(Organisation)
    if q:
        query = query.where(or_(func.lower(Organisation.name).like(like_contains(q), escape="\\"),
                                Organisation.kvk_number == q))
    if kind in {k.value for k in OrgKind}:
        query = query.where(Organisation.kind == OrgKind(kind))
    page = db.paginate(query.order_by(Organisation.name, Organisation.id), per_page=PER_PAGE,
                       error_out=False)
    return render_page_or_partial("admin/organisations.html", "admin/_organisation_results.html",
                                  page=page, q=q, kind=kind, kinds=list(OrgKind))


@bp.route("/organisations/new", methods=["GET", "POST"])
def organisation_new():
    form = OrganisationForm()
    if form.validate_on_submit():
        if kvk_taken(form.kvk_number.data):
            form.kvk_number.errors.append(_("An organisation with this KvK number already exists."))
        else:
            org = create_organisation(kind=OrgKind(form.kind.data), name=form.name.data,
                                      kvk_number=form.kvk_number.data, website=form.website.data,
                                      by=current_user)
            db.session.commit()
            flash(_("The organisation %(name)s has been created.", name=org.name), "ok")
            return redirect(url_for("admin.organisation", org_id=org.id))
    return render_template("admin/organisation_form.html", form=form)


@bp.route("/organisations/<int:org_id>", methods=["GET", "POST"])
def organisation(org_id: int):
    org = load_organisation(org_id)
    form = OrganisationEditForm(obj=org)
    if form.validate_on_submit():
        if kvk_taken(form.kvk_number.data, exclude=org):
            form.kvk_number.errors.append(_("An organisation with this KvK number already exists."))
        else:
            update_organisation(org, name=form.name.data, kvk_number=form.kvk_number.data,
                                website=form.website.data, by=current_user)
            db.session.commit()
            flash(_("The organisation has been saved."), "ok")
            return redirect(url_for("admin.organisation", org_id=org.id))
    return render_template("admin/organisation.html", org=org, form=form,
                           invite_form=InviteForm(role=MemberRole.MEMBER.value),
                           role_form=MembershipRoleForm(), confirm=ConfirmForm())


@bp.route("/organisations/<int:org_id>/confirm-kvk", methods=["POST"])
def organisation_confirm_kvk(org_id: int):
    """Confirm the organisation's KvK number (eHerkenning logins for it then join it)."""
    org = load_organisation(org_id)
    if ConfirmForm().validate_on_submit() and org.kvk_number and org.kvk_verified_at is None:
        confirm_kvk(org, by=current_user)
        db.session.commit()
        flash(_("The KvK number of %(org)s has been confirmed.", org=org.name), "ok")
    return redirect(url_for("admin.organisation", org_id=org.id))


@bp.route("/organisations/<int:org_id>/invite", methods=["POST"])
def organisation_invite(org_id: int):
    org = load_organisation(org_id)
    invite_form = InviteForm()
    if invite_form.validate_on_submit():
        invite(org, invite_form.email.data, MemberRole(invite_form.role.data), by=current_user,
               locale=select_locale())
        db.session.commit()
        flash(_("An invitation has been sent to %(email)s.", email=invite_form.email.data), "ok")
        return redirect(url_for("admin.organisation", org_id=org.id))
    form = OrganisationEditForm(obj=org, formdata=None)
    return render_template("admin/organisation.html", org=org, form=form, invite_form=invite_form,
                           role_form=MembershipRoleForm(), confirm=ConfirmForm())

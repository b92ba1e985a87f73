"""A person's own data (download, deletion request), admins' decisions on deletion, and a
consultation's retention date."""
from __future__ import annotations

import json

from flask import Response, abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.admin.permissions import can_administer
from consult.audit.services import record_event
from consult.auth.forms import ConfirmForm
from consult.consultations.permissions import can_edit_consultation
from consult.core.time import utcnow
from consult.extensions import db
from consult.privacy import bp
from consult.privacy.forms import EraseAccountForm, RetentionForm
from consult.privacy.models import ErasureRequest, ErasureStatus
from consult.privacy.services import (
    cancel,
    decide,
    export_personal_data,
    pending_request,
    request_erasure,
)


@bp.route("/account/data.json")
@login_required
def my_data():
    user = current_user._get_current_object()
    data = export_personal_data(user)
    record_event("personal_data_exported", actor=user, obj=user)
    db.session.commit()
    body = json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True)
    name = f"mijn-gegevens-{utcnow():%Y%m%d}.json"
    return Response(body, mimetype="application/json",
                    headers={"Content-Disposition": f'attachment; filename="{name}"',
                             "Cache-Control": "no-store"})


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def delete_account():
    user = current_user._get_current_object()
    form = EraseAccountForm()
    pending = pending_request(user)
    if pending is None and form.validate_on_submit():
        request_erasure(user)
        db.session.commit()
        flash(_("Your request has been sent. An administrator will delete your account; you will "
                "not receive any more messages once that is done."), "ok")
        return redirect(url_for("privacy.delete_account"))
    return render_template("privacy/delete_account.html", form=form, pending=pending,
                           cancel_form=ConfirmForm())


@bp.route("/account/delete/cancel", methods=["POST"])
@login_required
def cancel_delete_account():
    pending = pending_request(current_user)
    if pending is not None and ConfirmForm().validate_on_submit():
        cancel(pending, by=current_user)
        db.session.commit()
        flash(_("Your request to delete your account has been withdrawn."), "ok")
    return redirect(url_for("auth.account"))


def _require_admin():
    if not can_administer(current_user):
        abort(403)


@bp.route("/admin/erasure")
@login_required
def erasure_requests():
    _require_admin()
    requests = db.session.scalars(
        select(ErasureRequest).options(selectinload(ErasureRequest.user), selectinload(ErasureRequest.decided_by))
        .order_by(ErasureRequest.status != ErasureStatus.PENDING, ErasureRequest.requested_at.desc())
        .limit(200)).all()
    return render_template("privacy/erasure_requests.html", requests=requests, form=ConfirmForm())


def _load_request(request_id: int) -> ErasureRequest:
    found = db.session.get(ErasureRequest, request_id)
    if found is None:
        abort(404)
    return found


@bp.route("/admin/erasure/<int:request_id>/<any(confirm, reject):decision>", methods=["POST"])
@login_required
def erasure_decide(request_id: int, decision: str):
    _require_admin()
    found = _load_request(request_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("privacy.erasure_requests"))
    if found.status != ErasureStatus.PENDING:
        flash(_("This request has already been dealt with."), "warning")
    elif found.user_id == current_user.id:
        flash(_("Another administrator must decide on your own request."), "error")
    else:
        decide(found, by=current_user, confirm=decision == "confirm")
        db.session.commit()
        flash(_("The account has been deleted.") if decision == "confirm"
              else _("The request has been rejected."), "ok")
    return redirect(url_for("privacy.erasure_requests"))


@bp.route("/consultations/<slug>/manage/retention", methods=["GET", "POST"])
@login_required
def retention(slug: str):
    from consult.consultations.loaders import load_consultation

    consultation = load_consultation(slug, team_users=False)
    if not can_edit_consultation(current_user, consultation):
        abort(403)
    form = RetentionForm(obj=consultation)
    if consultation.anonymised_at is None and form.validate_on_submit():
        consultation.procurement_ends_on = form.procurement_ends_on.data
        consultation.retention_until = form.retention_until.data
        record_event("retention_set", actor=current_user, obj=consultation,
                     procurement_ends_on=str(form.procurement_ends_on.data or ""),
                     retention_until=str(form.retention_until.data or ""))
        db.session.commit()
        flash(_("The retention period has been saved."), "ok")
        return redirect(url_for("privacy.retention", slug=consultation.slug))
    return render_template("privacy/retention.html", consultation=consultation, form=form,
                           years=current_app.config["RETENTION_YEARS"],
                           until=consultation.retention_date(current_app.config["RETENTION_YEARS"]))

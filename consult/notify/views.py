"""The notification list (bell), notification settings and one-click unsubscribe."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from consult.audit.services import record_event
from consult.core.limits import limit_route
from consult.core.paging import arg_page
from consult.core.security import safe_next
from consult.extensions import csrf, db
from consult.notify import bp
from consult.notify.forms import settings_form
from consult.notify.models import Frequency, Kind, Notification
from consult.notify.services import describe, frequencies, mark_read, read_unsubscribe_token, set_frequency
from consult.notify.services import unsubscribe as unsubscribe_kind


@bp.route("/notifications")
@login_required
def index():
    page = db.paginate(select(Notification).where(Notification.user_id == current_user.id)
                       .order_by(Notification.created_at.desc(), Notification.id.desc()),
                       page=arg_page(), per_page=25, error_out=False)
    items = [(n, *describe(n.kind, n.data)) for n in page.items]
    return render_template("notify/index.html", page=page, items=items)


@bp.route("/notifications/read", methods=["POST"])
@login_required
def read_all():
    count = mark_read(current_user)
    db.session.commit()
    flash(_("All notifications are marked as read.") if count else _("There were no unread notifications."), "ok")
    return redirect(url_for("notify.index"))


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@login_required
def read_one(notification_id: int):
    if mark_read(current_user, notification_id) == 0 and db.session.scalar(select(Notification.id).where(
            Notification.id == notification_id, Notification.user_id == current_user.id)) is None:
        abort(404)  # not yours, or does not exist: the same answer
    db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("notify.index")))


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def settings():
    current = frequencies(current_user)
    form = settings_form(current, request.form if request.method == "POST" else None)
    if form.validate_on_submit():
        changed = []
        for kind in Kind:
            chosen = Frequency(getattr(form, kind.value).data)
            if chosen != current[kind]:
                set_frequency(current_user, kind, chosen)
                changed.append(f"{kind.value}={chosen.value}")
        if changed:
            record_event("notification_settings_changed", actor=current_user, obj=current_user, changes=changed)
        db.session.commit()
        flash(_("Your notification settings have been saved."), "ok")
        return redirect(url_for("notify.settings"))
    return render_template("notify/settings.html", form=form, kinds=list(Kind))


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@limit_route("token_link")
@csrf.exempt  # the signed token is the proof; mail clients post here without a session (RFC 8058)
def unsubscribe(token: str):
    found = read_unsubscribe_token(token)
    if found is None:
        return render_template("notify/unsubscribe.html", problem=True), 404
    user, kind = found
    if request.method == "POST":
        unsubscribe_kind(user, kind)
        db.session.commit()
        return render_template("notify/unsubscribe.html", done=True, kind=kind, email=user.email)
    return render_template("notify/unsubscribe.html", kind=kind, email=user.email, token=token)

"""Public pages, the language switch and the health check."""
from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text

from consult.auth.services import set_locale
from consult.core import bp
from consult.core.i18n import LANGUAGE_COOKIE
from consult.core.security import safe_next
from consult.core.time import utcnow
from consult.extensions import db
from consult.notify.overview import advice_to_write, days_left, participant_overview, record_visit, team_overview


@bp.route("/")
def index():
    """The front page; after logging in, the person's overview of what they can do now."""
    if not current_user.is_authenticated:
        return render_template("core/index.html")
    now = utcnow()
    since = record_visit(current_user, now)
    db.session.commit()
    return render_template("core/index.html", now=now, since=since,
                           open_consultations=participant_overview(current_user, now),
                           advice_requests=advice_to_write(current_user),
                           team_consultations=team_overview(current_user, since), days_left=days_left)


@bp.route("/accessibility")
def accessibility():
    return render_template("core/accessibility.html")


@bp.route("/privacy")
def privacy():
    return render_template("core/privacy.html")


@bp.route("/contact")
def contact():
    return render_template("core/contact.html",
                           contact_email=current_app.config["CONTACT_EMAIL"])


@bp.route("/language", methods=["POST"])
def switch_language():
    """Switch the interface language; remembered in a cookie and on the account."""
    language = request.form.get("language", "")
    target = safe_next(request.form.get("next"), url_for("core.index"))
    response = redirect(target)
    if language in current_app.config["LANGUAGES"]:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600,
                            samesite="Lax", httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
        if current_user.is_authenticated:
            set_locale(current_user, language)
            db.session.commit()
    return response


@bp.route("/healthz")
def healthz():
    """Liveness and database reachability, for load balancers and monitoring."""
    try:
        db.session.execute(text("SELECT 1"))
        return jsonify(status="ok", database="ok")
    except Exception:  # any failure to reach the database means "unhealthy"
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503

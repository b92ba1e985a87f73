"""Public information pages, the language switch and the health check."""
from __future__ import annotations

from flask import current_app, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import text

from consult.core import bp
from consult.core.i18n import LANGUAGE_COOKIE
from consult.core.security import safe_next
from consult.extensions import db


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
    target = safe_next(request.form.get("next"), url_for("home.index"))
    response = redirect(target)
    if language in current_app.config["LANGUAGES"]:
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600,
                            samesite="Lax", httponly=True,
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
        if current_user.is_authenticated:
            current_user.locale = language  # the account remembers it for mail sent later
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

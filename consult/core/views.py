"""Public information pages, the language switch, the health check and the readiness check."""
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


def _redis_state() -> str:
    url = current_app.config.get("REDIS_URL")
    if not url:
        return "not configured"
    from redis import Redis

    try:
        Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception:  # any failure to answer a ping means "not ready"
        return "unreachable"
    return "ok"


def _storage_state() -> str:
    from consult.core.storage import storage

    try:
        storage().check()
    except Exception:  # unreachable bucket, unwritable folder, wrong STORAGE_URL
        return "unreachable"
    return "ok"


@bp.route("/readyz")
def readyz():
    """Readiness, for a load balancer or an orchestrator: this node can serve requests, because it
    reaches the database, Redis (when REDIS_URL is set) and the file store. /healthz stays the
    liveness check (the process answers). Names no address, host or error text."""
    try:
        db.session.execute(text("SELECT 1"))
        database = "ok"
    except Exception:
        db.session.rollback()
        database = "unreachable"
    checks = {"database": database, "redis": _redis_state(), "storage": _storage_state()}
    ready = all(state in ("ok", "not configured") for state in checks.values())
    return jsonify(status="ready" if ready else "unready", **checks), 200 if ready else 503

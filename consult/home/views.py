"""The home page: what a visitor reads first, and after logging in what the person can do now."""
from __future__ import annotations

from flask import render_template
from flask_login import current_user

from consult.core.time import utcnow
from consult.drafts.permissions import drafts_to_comment
from consult.extensions import db
from consult.home import bp
from consult.home.overview import advice_to_write, days_left, participant_overview, record_visit, team_overview


@bp.route("/")
def index():
    """The front page; after logging in, the person's overview of what they can do now."""
    if not current_user.is_authenticated:
        return render_template("home/index.html")
    now = utcnow()
    since = record_visit(current_user, now)
    db.session.commit()
    return render_template("home/index.html", now=now, since=since,
                           open_consultations=participant_overview(current_user, now),
                           advice_requests=advice_to_write(current_user),
                           drafts_to_comment=drafts_to_comment(current_user),
                           team_consultations=team_overview(current_user, since), days_left=days_left)

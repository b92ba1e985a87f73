"""Loading a consultation for a request: the one loader every feature's views use (404 for what the
user may not see). Loading never writes: a consultation past its deadline is closed by the
``close-due`` job, and until then ``accepts_responses(now)`` already refuses new input."""
from __future__ import annotations

from flask import abort
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.consultations.models import Consultation, Status, TeamMember
from consult.consultations.permissions import can_view_consultation
from consult.core.access import deny_hidden
from consult.extensions import db


def load_consultation(slug: str, *options, team_users: bool = True) -> Consultation:
    """Load by slug (with the team, which every permission check needs, and ``options``);
    404 for drafts the user may not see. Pages that never show the team's names pass
    ``team_users=False`` and save a query."""
    team = selectinload(Consultation.team)
    consultation = db.session.scalar(
        select(Consultation).where(Consultation.slug == slug).options(
            selectinload(Consultation.municipalities),
            team.selectinload(TeamMember.user) if team_users else team,
            *options,
        )
    )
    if consultation is None or not can_view_consultation(current_user, consultation):
        if consultation is not None and consultation.status != Status.DRAFT:
            deny_hidden()  # closed to invited organisations: an invited person may still have to log in
        abort(404)
    return consultation

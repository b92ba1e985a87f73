"""Council advice and the municipality's reply: what leaves the council, and what leaves the team.

A council drafts its advice privately: until its contact person submits it, only that council's members
see it, never another council, a provider or the project team. Submitted advice is with the council and
the team. The municipality's reply stays with the team until it is published; from then on advice and
reply are shown together to every participant, and to the public once the consultation report is
published. Notifications about advice say only what its recipients may already read.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement

from consult.consultations.models import Status
from consult.consultations.permissions import can_view_consultation, is_team
from consult.orgs.permissions import council_ids
from consult.responses.permissions import is_participant

if TYPE_CHECKING:
    from consult.advice.models import Advice

# The gate sits below the features whose input it judges and reads their records by their own
# attributes: the advice's statuses are string enums, so these compare equal to them (and bind
# to them in SQL).
SUBMITTED, PUBLISHED = "submitted", "published"


def may_show_advice(advice: Advice, user) -> bool:
    """May this advice (introduction, points, attached document) be shown to this person?

    Draft: the council's own members only. Submitted: the council and the team. Published: every
    participant, and anyone once the consultation report is published (anyone the consultation is
    open to: a closed one only to its invited organisations).
    """
    if advice.council_id in council_ids(user):  # the advising council's own members
        return True
    consultation = advice.request.consultation
    if advice.status == SUBMITTED:
        return is_team(user, consultation)
    if advice.status == PUBLISHED:
        return (consultation.status == Status.PUBLISHED and can_view_consultation(user, consultation)) \
            or is_participant(user, consultation)
    return False


def may_show_reply(advice: Advice, user) -> bool:
    """The municipality's reply (general reply, disposition and reason per point) leaves the team's reply
    form only once it is published, and then to whoever may see the advice."""
    return advice.status == PUBLISHED and may_show_advice(advice, user)


def published_advice_filter(advice) -> ColumnElement[bool]:
    """The SQL condition on ``advice`` (the Advice entity or an alias) for advice that may appear in
    public outputs (the report): published only."""
    return advice.status == PUBLISHED

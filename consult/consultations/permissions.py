"""Who may see and change a consultation. Team rights are per consultation."""
from __future__ import annotations

from consult.consultations.models import Consultation, Status, TeamRole


def _authenticated(user) -> bool:
    return bool(user and user.is_authenticated)


def team_role(user, consultation: Consultation) -> TeamRole | None:
    """The user's role on this consultation's project team, or None."""
    if not _authenticated(user):
        return None
    for member in consultation.team:
        if member.user_id == user.id:
            return member.role
    return None


def is_team(user, consultation: Consultation) -> bool:
    """Admins and every team member (editor or analyst) of this consultation."""
    return _authenticated(user) and (user.is_admin or team_role(user, consultation) is not None)


def can_view_consultation(user, consultation: Consultation) -> bool:
    """Published consultations are public; drafts only for admins and the team."""
    return consultation.status != Status.DRAFT or is_team(user, consultation)


def can_edit_consultation(user, consultation: Consultation) -> bool:
    """Editors (and admins) change content, upload documents, publish, close and extend."""
    return _authenticated(user) and (user.is_admin or team_role(user, consultation) == TeamRole.EDITOR)


def can_manage_team(user, consultation: Consultation) -> bool:
    """Only platform admins assign the project team."""
    return _authenticated(user) and user.is_admin


def can_create_consultation(user) -> bool:
    return _authenticated(user) and user.is_admin

"""Who may see and change a consultation. Team rights are per consultation."""
from __future__ import annotations

from consult.consultations.models import Consultation, Status, TeamRole
from consult.consultations.trajectory_models import Trajectory
from consult.core.predicates import predicate
from consult.orgs.models import OrgKind


def _authenticated(user) -> bool:
    return bool(user and user.is_authenticated)


@predicate
def team_role(user, consultation: Consultation) -> TeamRole | None:
    """The user's role on this consultation's project team, or None."""
    if not _authenticated(user):
        return None
    for member in consultation.team:
        if member.user_id == user.id:
            return member.role
    return None


@predicate
def is_team(user, consultation: Consultation) -> bool:
    """Admins and every team member (editor or analyst) of this consultation."""
    return _authenticated(user) and (user.is_admin or team_role(user, consultation) is not None)


@predicate
def is_invited(user, consultation: Consultation) -> bool:
    """A member of one of the organisations invited to this closed (invited-only) consultation."""
    if not _authenticated(user):
        return False
    invited = {organisation.id for organisation in consultation.invited}
    return any(membership.organisation_id in invited for membership in user.memberships)


@predicate
def can_moderate(user, consultation: Consultation) -> bool:
    """The consultation's team (editors and analysts) moderates its discussion. Defined here, next
    to the team it reads, so the disclosure gate can ask it without importing the discussion."""
    return is_team(user, consultation)


@predicate
def can_view_consultation(user, consultation: Consultation) -> bool:
    """Published consultations are public (anyone, with or without an account), unless the team
    closed it to invited organisations: then only the team and the invited organisations' members.
    Drafts only for admins and the team.

    Every other predicate that lets someone outside the team read or act on a consultation asks
    this one first, so closing a consultation closes all of it."""
    if consultation.status != Status.DRAFT and not consultation.invited_only:
        return True  # asked first: the team need not be loaded to know it
    if is_team(user, consultation):
        return True
    return consultation.status != Status.DRAFT and is_invited(user, consultation)


@predicate
def can_read_consultation_audit(user, consultation: Consultation) -> bool:
    """A consultation's team (and admins) read that consultation's audit trail."""
    return is_team(user, consultation)


@predicate
def can_set_access(user, consultation: Consultation) -> bool:
    """Editors (and admins) decide whether the consultation is public or closed to invited organisations."""
    return can_edit_consultation(user, consultation)


@predicate
def can_edit_consultation(user, consultation: Consultation) -> bool:
    """Editors (and admins) change content, upload documents, publish, close and extend."""
    return _authenticated(user) and (user.is_admin or team_role(user, consultation) == TeamRole.EDITOR)


@predicate
def can_manage_team(user, consultation: Consultation) -> bool:
    """Only platform admins assign the project team."""
    return _authenticated(user) and user.is_admin


@predicate
def can_create_consultation(user) -> bool:
    return _authenticated(user) and user.is_admin


# --- trajectories (rounds of consultations) -------------------------------------------------

@predicate
def can_manage_trajectory(user, trajectory: Trajectory) -> bool:
    """Admins, and a person who is an editor of every consultation of the trajectory: linking
    rounds shows each round's title and dates on one public page, so only someone who may change
    all of them changes the trajectory. (Adding a round also asks can_edit_consultation of it.)"""
    if not _authenticated(user):
        return False
    if user.is_admin:
        return True
    return bool(trajectory.rounds) and all(can_edit_consultation(user, r.consultation) for r in trajectory.rounds)


def joining_organisations(user) -> list:
    """The provider and council organisations on whose behalf ``user`` may ask to join a round."""
    if not _authenticated(user):
        return []
    return [m.organisation for m in user.memberships if m.organisation.kind in (OrgKind.PROVIDER, OrgKind.COUNCIL)]


@predicate
def sees_on_invitation(user, consultation: Consultation) -> bool:
    """A published invitation-only round that this provider or council member may not open: the
    trajectory's timeline lists it by title only, as "on invitation". The public and other
    accounts do not see it at all."""
    return (consultation.status != Status.DRAFT and consultation.invited_only
            and bool(joining_organisations(user)) and not can_view_consultation(user, consultation))


@predicate
def can_ask_to_join(user, consultation: Consultation) -> bool:
    """Before it closes, a provider or council member who sees an invitation-only round only as
    "on invitation" may ask the team to invite their organisation."""
    return sees_on_invitation(user, consultation) and not consultation.status.is_closed

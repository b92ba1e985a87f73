"""Who may see and manage an organisation."""
from __future__ import annotations

from consult.core.predicates import predicate
from consult.orgs.models import MemberRole, Organisation, OrgKind


def council_memberships(user) -> list:
    """The user's memberships of advisory councils."""
    if not (user and user.is_authenticated):
        return []
    return [m for m in user.memberships if m.organisation.kind == OrgKind.COUNCIL]


def council_ids(user) -> set[int]:
    return {m.organisation_id for m in council_memberships(user)}


def membership_of(user, org: Organisation):
    if not (user and user.is_authenticated):
        return None
    for membership in user.memberships:
        if membership.organisation_id == org.id:
            return membership
    return None


@predicate
def can_view_organisation(user, org: Organisation) -> bool:
    """Members see their own organisation's page; administrators see every one."""
    if user and user.is_authenticated and user.is_admin:
        return True
    return membership_of(user, org) is not None


@predicate
def can_manage_organisation(user, org: Organisation) -> bool:
    """Administrators and the organisation's contact persons invite and manage members."""
    if user and user.is_authenticated and user.is_admin:
        return True
    membership = membership_of(user, org)
    return membership is not None and membership.role == MemberRole.CONTACT

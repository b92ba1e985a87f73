"""Who may read the audit trail."""
from __future__ import annotations

from consult.consultations.permissions import is_team
from consult.core.predicates import predicate


@predicate
def can_read_audit(user, consultation=None) -> bool:
    """Admins read the whole trail; a consultation's team reads that consultation's events."""
    if not (user and user.is_authenticated):
        return False
    if consultation is None:
        return user.is_admin
    return is_team(user, consultation)

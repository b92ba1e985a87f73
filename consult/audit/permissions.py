"""Who may read the audit trail."""
from __future__ import annotations

from consult.core.predicates import predicate


@predicate
def can_read_audit(user) -> bool:
    """Admins read the whole trail (a consultation's team reads that consultation's events: see
    ``can_read_consultation_audit`` in the consultations' permissions)."""
    return bool(user and user.is_authenticated and user.is_admin)

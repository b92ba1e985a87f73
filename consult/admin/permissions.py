"""Who may use the platform administration."""
from __future__ import annotations

from consult.core.predicates import predicate


@predicate
def can_administer(user) -> bool:
    """Platform administrators create organisations, invite people and manage accounts."""
    return bool(user and user.is_authenticated and user.is_admin)

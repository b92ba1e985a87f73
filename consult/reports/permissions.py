"""Who may read, write and publish the consultation report."""
from __future__ import annotations

from consult.consultations.models import Consultation, Status
from consult.consultations.permissions import can_edit_consultation, can_view_consultation, is_team
from consult.core.predicates import predicate


@predicate
def can_read_report(user, consultation: Consultation) -> bool:
    """Public once published (for anyone the consultation is open to); before that the team reads the concept."""
    return (consultation.status == Status.PUBLISHED and can_view_consultation(user, consultation)) \
        or is_team(user, consultation)


@predicate
def can_write_report(user, consultation: Consultation) -> bool:
    """Editors write and publish the report after the consultation has closed."""
    return consultation.status.is_closed and can_edit_consultation(user, consultation)

"""Who may analyse: the consultation's team (editors and analysts), once it is published."""
from __future__ import annotations

from consult.consultations.models import Consultation, Status
from consult.consultations.permissions import is_team
from consult.core.predicates import predicate


@predicate
def can_analyse(user, consultation: Consultation) -> bool:
    """Editors and analysts read every submitted answer (confidential ones marked) and tag them."""
    return consultation.status != Status.DRAFT and is_team(user, consultation)

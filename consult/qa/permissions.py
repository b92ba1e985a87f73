"""Who may ask, read, answer and publish questions and answers."""
from __future__ import annotations

from consult.consultations.models import Consultation, Status
from consult.consultations.permissions import can_edit_consultation, can_view_consultation, is_team
from consult.core.predicates import predicate
from consult.qa.models import QaItem, QaStatus
from consult.responses.permissions import responding_organisations


@predicate
def can_read_qa(user, consultation: Consultation) -> bool:
    """Published items: for anyone who may see the consultation, without an account too (a market
    consultation is public; a closed one only for its invited organisations). Drafts: the team."""
    if consultation.status == Status.DRAFT:
        return is_team(user, consultation)
    return can_view_consultation(user, consultation)


@predicate
def can_ask_question(user, consultation: Consultation) -> bool:
    """Providers and councils ask; the team answers."""
    return consultation.status == Status.OPEN and bool(responding_organisations(user)) \
        and not is_team(user, consultation) and can_view_consultation(user, consultation)


@predicate
def can_see_unpublished(user, item: QaItem) -> bool:
    """An unpublished question is private between the asker's organisation and the team."""
    if is_team(user, item.consultation):
        return True
    own = {org.id for org in responding_organisations(user)}
    return item.asker_organisation_id in own


@predicate
def can_answer_qa(user, consultation: Consultation) -> bool:
    """Editors answer and publish."""
    return can_edit_consultation(user, consultation)


@predicate
def can_see_item(user, item: QaItem) -> bool:
    if item.status == QaStatus.PUBLISHED:
        return can_read_qa(user, item.consultation)
    return can_see_unpublished(user, item)

"""Who may read, write and comment on the strategy draft."""
from __future__ import annotations

from consult.advice.permissions import is_council_member
from consult.consultations.models import Consultation, Status
from consult.consultations.permissions import can_edit_consultation, can_view_consultation, is_team
from consult.core.predicates import predicate
from consult.strategy.models import DraftStatus, StrategyDraft


@predicate
def can_read_strategy(user, consultation: Consultation, draft: StrategyDraft | None) -> bool:
    """The team always; councils once the draft is shared (and after adoption)."""
    if consultation.status == Status.DRAFT:
        return is_team(user, consultation)
    if is_team(user, consultation):
        return True
    return draft is not None and draft.status != DraftStatus.CONCEPT and is_council_member(user) \
        and can_view_consultation(user, consultation)


@predicate
def can_read_shared_strategy(user, consultation: Consultation) -> bool:
    """A council member outside the team reads the draft the team shared with the councils: the
    consultation page and the advice page link to it."""
    from consult.strategy.services import draft_for

    return (is_council_member(user) and not is_team(user, consultation)
            and can_read_strategy(user, consultation, draft_for(consultation)))


@predicate
def can_write_strategy(user, consultation: Consultation, draft: StrategyDraft | None) -> bool:
    """Editors write until the draft is adopted; analysts read."""
    return can_edit_consultation(user, consultation) and (draft is None or draft.status != DraftStatus.ADOPTED)


@predicate
def can_see_evidence(user, consultation: Consultation) -> bool:
    """Evidence may point at confidential answers: the team only."""
    return is_team(user, consultation)


@predicate
def can_comment_strategy(user, consultation: Consultation, draft: StrategyDraft | None) -> bool:
    return (draft is not None and draft.status == DraftStatus.SHARED and is_council_member(user)
            and not is_team(user, consultation) and can_view_consultation(user, consultation))


@predicate
def can_link_evidence(user, consultation: Consultation, draft: StrategyDraft | None) -> bool:
    """Link input to a part of the draft (from the analysis or the not-yet-considered list): who
    writes the draft, which is the team, who also sees the evidence."""
    return draft is not None and can_write_strategy(user, consultation, draft) and can_see_evidence(user, consultation)

"""The strategy's answers to what the features below it ask (consult/core/evidence.py): which of
their input the draft links, whether the person may link more, whether the draft has been shared.
Connected when the strategy's views are imported with the application."""
from __future__ import annotations

from consult.core.evidence import informed_asked, informed_by_type_asked, shared_asked
from consult.strategy.models import DraftStatus
from consult.strategy.permissions import can_link_evidence
from consult.strategy.services import draft_for, informed, informed_about


@informed_asked.connect
def _informed(consultation, *, refs, user):
    draft = draft_for(consultation)
    return informed_about(draft, refs), can_link_evidence(user, consultation, draft)


@informed_by_type_asked.connect
def _informed_by_type(consultation, *, source_type):
    return informed(consultation, source_type)


@shared_asked.connect
def _shared(consultation):
    draft = draft_for(consultation)
    return draft is not None and draft.status != DraftStatus.CONCEPT

"""Who may request, draft, submit, read and reply to advice, and comment as a council."""
from __future__ import annotations

from sqlalchemy import select

from consult.advice.models import Advice, AdviceRequest, AdviceStatus
from consult.consultations.models import Consultation, Status
from consult.consultations.permissions import can_edit_consultation, can_view_consultation, is_team
from consult.core.predicates import predicate
from consult.disclosure.advice import may_show_advice
from consult.extensions import db
from consult.orgs.models import MemberRole
from consult.orgs.permissions import council_ids, council_memberships
from consult.responses.permissions import is_participant


def requested_council_ids(consultation: Consultation) -> set[int]:
    """The councils asked for advice on this consultation (they take part in it)."""
    return set(db.session.scalars(select(Advice.council_id).join(AdviceRequest).where(
        AdviceRequest.consultation_id == consultation.id)))


@predicate
def is_council_member(user) -> bool:
    return bool(council_memberships(user))


@predicate
def can_request_advice(user, consultation: Consultation) -> bool:
    """Editors ask councils for advice once the consultation is published."""
    return consultation.status != Status.DRAFT and can_edit_consultation(user, consultation)


@predicate
def is_advice_council(user, advice: Advice) -> bool:
    return advice.council_id in council_ids(user)


@predicate
def can_draft_advice(user, advice: Advice) -> bool:
    """Every member of the council drafts together, until it is submitted."""
    return advice.status == AdviceStatus.DRAFT and is_advice_council(user, advice)


@predicate
def can_submit_advice(user, advice: Advice) -> bool:
    """Only a contact person of the council submits on its behalf."""
    return advice.status == AdviceStatus.DRAFT and any(
        m.organisation_id == advice.council_id and m.role == MemberRole.CONTACT for m in council_memberships(user))


@predicate
def can_see_advice(user, advice: Advice) -> bool:
    """Draft: the council only. Submitted: council and team. Published: every participant.

    The rule is the disclosure gate's (:func:`consult.disclosure.advice.may_show_advice`)."""
    return may_show_advice(advice, user)


@predicate
def can_reply_advice(user, advice: Advice) -> bool:
    return advice.status == AdviceStatus.SUBMITTED and can_edit_consultation(user, advice.request.consultation)


@predicate
def can_see_advice_page(user, consultation: Consultation) -> bool:
    return (consultation.status == Status.PUBLISHED and can_view_consultation(user, consultation)) or (
        consultation.status != Status.DRAFT and is_participant(user, consultation))


@predicate
def can_read_council_comments(user, consultation: Consultation) -> bool:
    """Council comments are for the team and the councils, not for providers."""
    return consultation.status != Status.DRAFT and (is_team(user, consultation) or (
        is_council_member(user) and can_view_consultation(user, consultation)))


@predicate
def can_comment_as_council(user, consultation: Consultation) -> bool:
    return consultation.status != Status.DRAFT and is_council_member(user) and not is_team(user, consultation) \
        and can_view_consultation(user, consultation)


def advice_or_404(user, advice_id: int, *, points: bool = True) -> Advice:
    """Advice the acting user may see, or 404: another council's draft does not exist for you.
    ``points=False`` leaves its points unloaded (a page that shows one page of them)."""
    from sqlalchemy.orm import selectinload

    from consult.advice.models import AdviceRequest
    from consult.core.access import deny_hidden
    from consult.extensions import db

    options = [selectinload(Advice.request).selectinload(AdviceRequest.consultation), selectinload(Advice.council)]
    advice = db.session.get(Advice, advice_id, options=[selectinload(Advice.points), *options] if points else options)
    if advice is None or not can_see_advice(user, advice):
        deny_hidden()
    return advice

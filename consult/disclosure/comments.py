"""Comments on drafts open for comment: what leaves the commenting organisation and the team.

An organisation's comment on a paragraph is with that organisation and the project team. Other
participants see it only after the comment period has ended, and only if the organisation did not
mark it confidential (``Protected.CONFIDENTIAL_COMMENT``) and did not choose "do not publish"
(``Protected.UNPUBLISHED_COMMENT``); a comment published "without the name of our organisation"
appears without it (``Protected.UNNAMED_COMMENT``). The team's disposition and reply go with the
comment wherever the comment may go. The report shows what may be shown to the public.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, and_

from consult.consultations.models import Status
from consult.consultations.permissions import can_view_consultation, is_team
from consult.core.time import utcnow
from consult.disclosure import Protected
from consult.responses.models import Publication
from consult.responses.permissions import is_participant, responding_organisations

if TYPE_CHECKING:
    from consult.drafts.models import DraftComment


def comment_protection(comment: DraftComment) -> Protected | None:
    """The strictest protection on the comment (None: it may be shown, with its organisation's name)."""
    if comment.confidential:
        return Protected.CONFIDENTIAL_COMMENT
    if comment.publication == Publication.NONE:
        return Protected.UNPUBLISHED_COMMENT
    if comment.publication == Publication.ANONYMOUS:
        return Protected.UNNAMED_COMMENT
    return None


def _own(comment: DraftComment, user) -> bool:
    return any(org.id == comment.organisation_id for org in responding_organisations(user))


def _inside(comment: DraftComment, user) -> bool:
    """The commenting organisation's members and the consultation's team."""
    return _own(comment, user) or is_team(user, comment.paragraph.draft.consultation)


def may_show_comment(comment: DraftComment, user) -> bool:
    """May this comment (its text, disposition and reply) be shown to this person?

    The commenting organisation and the team: always (withdrawn ones only to the team). Anyone else:
    once the comment period has ended, a comment that is neither withdrawn, confidential nor "do not
    publish", to participants of the consultation (and to the public once its report is published).
    """
    if comment.withdrawn_at is not None:
        return is_team(user, comment.paragraph.draft.consultation)
    if _inside(comment, user):
        return True
    draft = comment.paragraph.draft
    if draft.closes_at is None or utcnow() < draft.closes_at:
        return False
    if comment_protection(comment) in (Protected.CONFIDENTIAL_COMMENT, Protected.UNPUBLISHED_COMMENT):
        return False
    consultation = draft.consultation
    return is_participant(user, consultation) or (
        consultation.status == Status.PUBLISHED and can_view_consultation(user, consultation))


def may_name_commenter(comment: DraftComment, user) -> bool:
    """Whether the comment may appear with its organisation's name for this person."""
    return _inside(comment, user) or comment_protection(comment) is None


def public_comment_filter(comment) -> ColumnElement[bool]:
    """The SQL condition on ``comment`` (the DraftComment entity or an alias) for comments that may
    appear in public outputs (the report): not withdrawn, not confidential, published (with or
    without the name; the caller leaves the name out of anonymous ones with ``may_name_in_public``)."""
    return and_(comment.withdrawn_at.is_(None), comment.confidential.is_(False),
                comment.publication.in_([Publication.NAMED, Publication.ANONYMOUS]))


def may_name_in_public(comment: DraftComment) -> bool:
    return comment_protection(comment) is None

"""Who may read, post and moderate in a consultation's discussion."""
from __future__ import annotations

from datetime import datetime, timedelta

from consult.consultations.models import Consultation, Status
from consult.consultations.permissions import (  # noqa: F401  (can_moderate: the discussion's name for it)
    can_edit_consultation,
    can_moderate,
    can_view_consultation,
    is_team,
)
from consult.core.predicates import predicate
from consult.dialogue.models import AuthorRole, Post, Thread
from consult.disclosure.posts import may_list_post
from consult.orgs.models import Organisation, OrgKind

EDIT_WINDOW = timedelta(minutes=15)


def author_identity(user, consultation: Consultation) -> tuple[AuthorRole, Organisation | None] | None:
    """How the user appears in this consultation's discussion: role badge and organisation."""
    if not (user and user.is_authenticated):
        return None
    if is_team(user, consultation):
        municipality = next((m.organisation for m in user.memberships
                             if m.organisation.kind == OrgKind.MUNICIPALITY), None)
        return AuthorRole.TEAM, municipality
    for kind, role in ((OrgKind.PROVIDER, AuthorRole.PROVIDER), (OrgKind.COUNCIL, AuthorRole.COUNCIL)):
        for membership in user.memberships:
            if membership.organisation.kind == kind:
                return role, membership.organisation
    return None


def _is_participant(user, consultation: Consultation) -> bool:
    """Someone who may take part: the team, or a provider or council member the consultation is
    open to (every one, unless it is closed to invited organisations)."""
    return author_identity(user, consultation) is not None and can_view_consultation(user, consultation)


@predicate
def can_read_threads(user, consultation: Consultation) -> bool:
    """Participants read the discussion; the public too when the consultation allows it."""
    if consultation.status == Status.DRAFT:
        return is_team(user, consultation)
    return (consultation.threads_public and can_view_consultation(user, consultation)) \
        or _is_participant(user, consultation)


@predicate
def can_switch_premoderation(user, consultation: Consultation) -> bool:
    """Whether the moderation page offers the switch for approval before publication: to the
    consultation's editors (as on its details page), until the consultation closes (its settings
    no longer change then; the analysts and the other moderators see the setting only)."""
    return can_edit_consultation(user, consultation) and not consultation.status.is_closed


@predicate
def can_start_thread(user, consultation: Consultation) -> bool:
    return consultation.status == Status.OPEN and _is_participant(user, consultation)


@predicate
def can_reply(user, thread: Thread) -> bool:
    consultation = thread.consultation
    if not can_start_thread(user, consultation):
        return False
    return not thread.locked or can_moderate(user, consultation)


@predicate
def can_see_post(user, post: Post) -> bool:
    """Whether the post has a place in its thread for ``user`` (its text may still be withheld).

    The disclosure gate decides; this name stays for views and templates.
    """
    return may_list_post(post, user)


@predicate
def can_edit_post(user, post: Post, now: datetime) -> bool:
    """The author, within 15 minutes, while the post is neither deleted nor hidden."""
    return (bool(user and user.is_authenticated) and post.author_id == user.id
            and post.deleted_at is None and post.hidden_at is None
            and now - post.created_at <= EDIT_WINDOW and post.thread.consultation.status == Status.OPEN)


@predicate
def can_delete_post(user, post: Post) -> bool:
    return bool(user and user.is_authenticated) and post.author_id == user.id and post.deleted_at is None


@predicate
def can_report_post(user, post: Post) -> bool:
    return (_is_participant(user, post.thread.consultation) and post.author_id != user.id
            and post.deleted_at is None and post.hidden_at is None)

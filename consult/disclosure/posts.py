"""The gate for discussion posts and threads: which of them, and which part, a person may see.

Protected kinds (:class:`consult.disclosure.Protected`) and who they reach:

* ``HIDDEN_POST`` — a post, or a whole thread, hidden by a moderator. The text (for a thread: its
  title and every post in it) reaches the consultation's moderators only. A hidden post keeps its
  place in the thread as a notice with the moderator's reason; a hidden thread does not exist for
  anyone else.
* ``DELETED_POST`` — a post its author deleted: the text reaches moderators only, until
  ``purge_deleted_posts`` empties it ``DELETED_POST_PURGE_DAYS`` after the deletion.
* ``PENDING_POST`` — a post or thread that a moderator has not approved (waiting, or rejected):
  its author and the moderators only. A thread is pending with its opening post, title included.

A thread's protection covers every post in it. The moderator test is the dialogue's
:func:`consult.consultations.permissions.can_moderate` (the team); moderation rights are per
consultation.

``user`` may be ``None`` everywhere: an ordinary reader without any exemption. Use that for
output that leaves the project team (the report, key quotes, evidence shown to councils, replies
and quotes that every participant will read).

Access control is separate: whether someone may read a consultation's discussion at all is
:func:`consult.dialogue.permissions.can_read_threads`. The query helpers narrow a SELECT in SQL,
so lists, search and counts never hold rows the reader may not see.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Select, and_, false, or_, select, true
from sqlalchemy.orm import aliased

from consult.consultations.models import Consultation
from consult.consultations.permissions import can_moderate
from consult.disclosure import Protected

if TYPE_CHECKING:
    from consult.dialogue.models import Post, Thread

# The gate sits below the discussion and reads its records by their own attributes; a post's and a
# thread's status is a string enum (consult.dialogue.models.PostStatus), so this compares equal to
# it and binds to it in SQL. The query helpers take the entities they narrow as arguments.
PUBLISHED = "published"


def _authenticated(user) -> bool:
    return bool(user is not None and user.is_authenticated)


def _moderator(user, consultation: Consultation) -> bool:
    return _authenticated(user) and can_moderate(user, consultation)


def _own(user, author_id: int | None) -> bool:
    return _authenticated(user) and author_id is not None and author_id == user.id


# --- threads ----------------------------------------------------------------------------------

def thread_protection(thread: Thread) -> Protected | None:
    """What keeps this thread (title and posts) from ordinary readers, whoever asks."""
    if thread.hidden_at is not None:
        return Protected.HIDDEN_POST
    if thread.status != PUBLISHED:
        return Protected.PENDING_POST
    return None


def thread_withheld(thread: Thread, user) -> Protected | None:
    """The protected kind that keeps ``thread`` from ``user``, or None when they may see it."""
    kind = thread_protection(thread)
    if kind is None or _moderator(user, thread.consultation):
        return None
    if kind == Protected.PENDING_POST and _own(user, thread.author_id):
        return None
    return kind


def may_show_thread(thread: Thread, user) -> bool:
    """Whether ``user`` may see that the thread exists: its title and its page."""
    return thread_withheld(thread, user) is None


def shown_title(thread: Thread, user) -> str | None:
    """The thread's title for ``user``, or None when it is withheld."""
    return thread.title if may_show_thread(thread, user) else None


# --- posts ------------------------------------------------------------------------------------

def post_protection(post: Post) -> Protected | None:
    """What keeps this post's text from ordinary readers, whoever asks (its thread aside)."""
    if post.deleted_at is not None:
        return Protected.DELETED_POST
    if post.hidden_at is not None:
        return Protected.HIDDEN_POST
    if post.status != PUBLISHED:
        return Protected.PENDING_POST
    return None


def post_withheld(post: Post, user) -> Protected | None:
    """The protected kind that keeps the text of ``post`` from ``user``, or None when they may read it.

    The thread's protection comes first; then the post's own. Moderators read everything; the
    author reads their own post while it waits for approval, not once it is hidden or deleted.
    """
    kind = thread_withheld(post.thread, user)
    if kind is not None:
        return kind
    kind = post_protection(post)
    if kind is None or _moderator(user, post.thread.consultation):
        return None
    if kind == Protected.PENDING_POST and _own(user, post.author_id):
        return None
    return kind


def may_show_post(post: Post, user) -> bool:
    """Whether ``user`` may read the text of ``post``."""
    return post_withheld(post, user) is None


def shown_body(post: Post, user) -> str | None:
    """The text of ``post`` for ``user``, or None when it is withheld."""
    return post.body if may_show_post(post, user) else None


def may_list_post(post: Post, user) -> bool:
    """Whether ``post`` has a place in its thread for ``user``: with its text, or (hidden or deleted
    after publication) as a notice that carries nobody's text. A post that was never approved has
    no place at all for others, and nothing in a thread they may not see has one."""
    kind = post_withheld(post, user)
    if kind is None:
        return True
    if thread_withheld(post.thread, user) is not None:
        return False
    return post.status == PUBLISHED


def quotable(post: Post) -> bool:
    """Whether ``post`` may be quoted or replied to: only what every reader of the thread may read,
    since a reply or quote is read by everyone (moderators and authors included)."""
    return post_withheld(post, None) is None


# --- the same rules in SQL --------------------------------------------------------------------

def _thread_clause(thread, user, consultation: Consultation):
    """SQL for "``user`` may see this thread" on ``thread`` (the Thread entity or an alias)."""
    if _moderator(user, consultation):
        return true()
    own = thread.author_id == user.id if _authenticated(user) else false()
    return and_(thread.hidden_at.is_(None), or_(thread.status == PUBLISHED, own))


def _thread_ids(user, consultation: Consultation, thread_entity) -> Select:
    """The ids of the consultation's threads ``user`` may see, as a subquery of its own."""
    thread = aliased(thread_entity)
    return select(thread.id).where(thread.consultation_id == consultation.id,
                                   _thread_clause(thread, user, consultation))


def visible_threads(query: Select, user, consultation: Consultation, *, thread) -> Select:
    """Narrow a SELECT over ``thread`` (the Thread entity) to the threads of ``consultation`` that
    ``user`` may see."""
    return query.where(thread.consultation_id == consultation.id, _thread_clause(thread, user, consultation))


def _own_or_published(user, post):
    """Published posts, and the user's own unapproved ones while they are neither hidden nor deleted."""
    own = and_(post.author_id == user.id, post.deleted_at.is_(None), post.hidden_at.is_(None)) \
        if _authenticated(user) else false()
    return or_(post.status == PUBLISHED, own)


def listed_posts(query: Select, user, consultation: Consultation, *, post, thread) -> Select:
    """Narrow a SELECT over ``post`` (the Post entity; ``thread``: the Thread entity) to the posts
    of ``consultation`` that have a place in their thread for ``user`` (:func:`may_list_post`):
    hidden and deleted ones included, to be shown as a notice."""
    query = query.where(post.thread_id.in_(_thread_ids(user, consultation, thread)))
    if _moderator(user, consultation):
        return query
    return query.where(_own_or_published(user, post))


def shown_posts(query: Select, user, consultation: Consultation, *, post, thread) -> Select:
    """Narrow a SELECT over ``post`` (the Post entity; ``thread``: the Thread entity) to the posts
    of ``consultation`` whose text ``user`` may read (:func:`may_show_post`). For search, counts,
    analysis and evidence."""
    query = query.where(post.thread_id.in_(_thread_ids(user, consultation, thread)))
    if _moderator(user, consultation):
        return query
    return query.where(post.deleted_at.is_(None), post.hidden_at.is_(None), _own_or_published(user, post))

"""Dialogue services: threads, posts, edits with history, reports, moderation, follows, search,
and the purge of deleted posts' text.

Services add and flush; the request commits. Moderation is audited. What each person may see of
a post or thread is decided by the disclosure gate (:mod:`consult.disclosure.posts`); people are
told about a post only once it is visible to them.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app, has_request_context
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, Select, column, false, func, literal_column, or_, select, text, update
from sqlalchemy.orm import aliased, contains_eager, joinedload

from consult.audit.services import record_event
from consult.auth.models import User
from consult.consultations.models import Consultation, Theme
from consult.consultations.notifications import tell_team
from consult.core.access import like_contains
from consult.core.jobs import enqueue_after_commit
from consult.core.outbox import dispatch_committed
from consult.core.refused import Refused
from consult.core.sanitize import without_invisible
from consult.core.time import utcnow
from consult.dialogue.models import (
    SEARCH_CONFIG,
    AuthorRole,
    Post,
    PostReport,
    PostRevision,
    PostStatus,
    Thread,
    ThreadFollow,
)
from consult.dialogue.permissions import EDIT_WINDOW, author_identity, can_read_threads
from consult.dialogue.signals import posts_purged
from consult.disclosure.posts import may_show_post, may_show_thread, quotable, shown_posts
from consult.extensions import db
from consult.notify.models import Kind
from consult.notify.services import linking_to, notify, url_path, withdraw

MAX_POST_LENGTH = 10_000


QUOTE_REFUSED = _l("You cannot quote this message: it has been hidden or deleted, or it is waiting for approval. "
                   "Your text is still in the form; you can post it without the quote.")
REPLY_REFUSED = _l("You cannot reply to this message: it has been hidden or deleted, or it is waiting for approval. "
                   "Your text is still in the form; you can post it as a new message.")


class PostingRefused(Refused):
    pass


def check_rate(user: User, now: datetime) -> None:
    """A per-user limit counted in the database, so it holds across workers."""
    per_minute = current_app.config.get("POSTS_PER_MINUTE", 5)
    per_hour = current_app.config.get("POSTS_PER_HOUR", 40)
    recent = db.session.scalars(select(Post.created_at).where(
        Post.author_id == user.id, Post.created_at >= now - timedelta(hours=1))).all()
    if len([t for t in recent if t >= now - timedelta(minutes=1)]) >= per_minute or len(recent) >= per_hour:
        raise PostingRefused(_l("You are posting very quickly. Wait a minute and try again; "
                                "your text is still in the form."))


def _check_body(body: str) -> str:
    body = body.replace("\x00", "").strip()
    if not body:
        raise PostingRefused(_l("Write a message."))
    if len(body) > MAX_POST_LENGTH:
        raise PostingRefused(_l("Your message is %(n)d characters long; the maximum is %(max)d.",
                                n=len(body), max=MAX_POST_LENGTH))
    return body


def _new_post(thread: Thread, body: str, by: User, now: datetime, *, parent: Post | None = None,
              quote: Post | None = None) -> Post:
    role, org = author_identity(by, thread.consultation)
    premoderated = thread.consultation.premoderation and role != AuthorRole.TEAM
    post = Post(thread=thread, parent_id=parent.id if parent else None, quote_of=quote, author=by,
                organisation=org, author_role=role, body=body, created_at=now,
                status=PostStatus.PENDING if premoderated else PostStatus.PUBLISHED)
    db.session.add(post)
    if post.status == PostStatus.PUBLISHED:
        thread.post_count += 1
        thread.last_post_at = now
    follow(thread, by)
    return post


def create_thread(consultation: Consultation, theme: Theme | None, title: str, body: str, *,
                  by: User) -> Thread:
    now = utcnow()
    check_rate(by, now)
    body = _check_body(body)
    title = title.replace("\x00", "").strip()
    if not title:
        raise PostingRefused(_l("Give the discussion a title."))
    thread = Thread(consultation=consultation, theme=theme, title=title[:200], author=by,
                    created_at=now, last_post_at=now, post_count=0, locked=False, pinned=False)
    db.session.add(thread)
    opening = _new_post(thread, body, by, now)
    thread.status = opening.status  # a thread waits for approval with its opening post
    db.session.flush()
    if opening.status == PostStatus.PENDING:
        _tell_moderators(opening, "pending_thread", key=f"pending:{opening.id}")
    return thread


def reply(thread: Thread, body: str, *, by: User, parent: Post | None = None,
          quote: Post | None = None) -> Post:
    """Post ``body`` in ``thread``, under ``parent`` and quoting ``quote`` when given.

    Only what every reader of the thread may read can be replied to or quoted: a hidden,
    deleted or unapproved post is refused (for moderators too, since everyone reads the reply).
    """
    now = utcnow()
    if quote is not None and not quotable(quote):
        raise PostingRefused(QUOTE_REFUSED)
    if parent is not None and parent.parent_id is not None:
        parent = db.session.get(Post, parent.parent_id)  # one level of replies
    if parent is not None and not quotable(parent):
        raise PostingRefused(REPLY_REFUSED)
    check_rate(by, now)
    body = _check_body(body)
    post = _new_post(thread, body, by, now, parent=parent, quote=quote)
    db.session.flush()
    if post.status == PostStatus.PUBLISHED:
        _tell_followers(post)
    else:
        _tell_moderators(post, "pending", key=f"pending:{post.id}")
    return post


def _thread_path(thread: Thread) -> str:
    return url_path("dialogue.thread", thread_id=thread.id)


def _post_link(post: Post) -> str:
    return _thread_path(post.thread) + f"#post-{post.id}"


def _tell_followers(post: Post) -> None:
    """Tell the thread's followers of a new published message, in a job after commit (one job per
    message): who follows is looked up by the job, so posting costs the same with 4 or 400
    followers (:func:`tell_followers`)."""
    enqueue_after_commit(tell_followers, post.id)


FOLLOWERS_BATCH = 500


def tell_followers(post_id: int) -> int:
    """Job: everyone following the thread, except the author, hears of a new message once, and
    only when the gate lets them read it: a post waiting for approval is announced when approved,
    never before; a hidden or deleted one, or one in a thread they may not see, never.

    The gate is asked when the job runs, so a message hidden in between is not announced. Runs
    inline after the request (embedded default) or on the RQ worker; running it again tells
    nobody twice (the notifications carry a key per message and person). Followers are read a
    batch at a time, each batch committed. Returns the number of people told."""
    post = db.session.get(Post, post_id)
    if post is None or post.status != PostStatus.PUBLISHED:
        return 0
    thread, told, after = post.thread, 0, 0
    author = post.author.name if post.author else ""
    if post.organisation is not None:
        author = f"{author}, {post.organisation.name}"
    data = {"thread": thread.title, "consultation": thread.consultation.title, "author": author}
    while True:
        followers = db.session.scalars(
            select(User).join(ThreadFollow, ThreadFollow.user_id == User.id)
            .where(ThreadFollow.thread_id == thread.id, User.id != post.author_id, User.id > after)
            .order_by(User.id).limit(FOLLOWERS_BATCH)).all()
        if not followers:
            break
        after = followers[-1].id
        readers = [user for user in followers
                   if can_read_threads(user, thread.consultation) and may_show_post(post, user)]
        told += len(notify(readers, Kind.THREAD_REPLY, consultation=thread.consultation, data=data,
                           link=_post_link(post), dedupe_key=f"post:{post.id}"))
        db.session.commit()
        if len(followers) < FOLLOWERS_BATCH:
            break
    if not has_request_context():  # on the worker; after a request, the request's hook sends it
        dispatch_committed()
    return told


def _tell_moderators(post: Post, event: str, *, key: str) -> None:
    """The project team hears that a message waits for it (to approve, or reported); each member
    only when the gate lets them see the thread the notification names."""
    thread = post.thread
    tell_team(thread.consultation, event, data={"thread": thread.title}, dedupe_key=key,
              link=url_path("dialogue.moderation", slug=thread.consultation.slug)
              + ("#reports-title" if event == "reported" else "#pending-title"),
              may_read=lambda user: may_show_thread(thread, user))


def _tell_author(post: Post, action: str, reason: str | None = None) -> None:
    """The author hears what a moderator did with their post; the notification names the thread,
    so nothing is sent while the thread itself is withheld from the author."""
    if post.author is None or not may_show_thread(post.thread, post.author):
        return
    notify([post.author], Kind.MODERATION, consultation=post.thread.consultation,
           data={"thread": post.thread.title, "consultation": post.thread.consultation.title,
                 "action": action, "reason": reason or ""},
           link=_post_link(post))


def _withdraw_unseen(link: str, *, prefix: bool, thread: Thread, post: Post | None = None,
                     kinds: tuple[Kind, ...] | None = None) -> None:
    """Take back the notifications that point at what their reader may no longer see, so the
    in-app list and the next digest do not name it (a mail already sent cannot be recalled)."""
    withdraw([n for n in linking_to(link, prefix=prefix, kinds=kinds)
              if not (may_show_post(post, n.user) if post is not None else may_show_thread(thread, n.user))])


def edit_post(post: Post, body: str, *, by: User) -> None:
    now = utcnow()
    if now - post.created_at > EDIT_WINDOW:
        raise PostingRefused(_l("A message can be changed for 15 minutes after posting."))
    body = _check_body(body)
    if body == post.body:
        return
    post.revisions.append(PostRevision(body=post.body, replaced_at=now))
    post.body = body
    post.edited_at = now


def delete_post(post: Post, *, by: User) -> None:
    """The author deletes a post: its text stays for moderators until the purge."""
    post.deleted_at = utcnow()
    record_event("post_deleted", actor=by, obj=post)
    _withdraw_unseen(_post_link(post), prefix=False, thread=post.thread, post=post, kinds=(Kind.THREAD_REPLY,))


def report_post(post: Post, reason: str, *, by: User) -> PostReport:
    reason = reason.replace("\x00", "").strip()
    if not reason:
        raise PostingRefused(_l("Say why you report this message."))
    report = PostReport(post=post, reporter=by, reason=reason[:2000])
    db.session.add(report)
    db.session.flush()
    record_event("post_reported", actor=by, obj=post)
    _tell_moderators(post, "reported", key=f"report:{report.id}")
    return report


def _resolve_reports(post: Post, by: User, now: datetime) -> None:
    for report in db.session.scalars(select(PostReport).where(PostReport.post_id == post.id,
                                                              PostReport.resolved_at.is_(None))):
        report.resolved_at = now
        report.resolved_by_id = by.id


def hide_post(post: Post, reason: str, *, by: User) -> None:
    reason = reason.replace("\x00", "").strip()
    if not reason:
        raise PostingRefused(_l("Give the reason for hiding; it is shown instead of the message."))
    now = utcnow()
    post.hidden_at, post.hidden_reason, post.hidden_by_id = now, reason[:500], by.id
    _resolve_reports(post, by, now)
    record_event("post_hidden", actor=by, obj=post, reason=reason[:500])
    _withdraw_unseen(_post_link(post), prefix=False, thread=post.thread, post=post, kinds=(Kind.THREAD_REPLY,))
    _tell_author(post, "hidden", reason[:500])


def restore_post(post: Post, *, by: User) -> None:
    post.hidden_at = post.hidden_reason = post.hidden_by_id = None
    record_event("post_restored", actor=by, obj=post)


def dismiss_reports(post: Post, *, by: User) -> None:
    _resolve_reports(post, by, utcnow())
    record_event("post_reports_dismissed", actor=by, obj=post)


def opening_post(thread: Thread) -> Post | None:
    """The first top-level post of the thread, written with its title."""
    return db.session.scalars(select(Post).where(Post.thread_id == thread.id, Post.parent_id.is_(None))
                              .order_by(Post.created_at, Post.id).limit(1)).first()


def _is_opening(post: Post) -> bool:
    return post.parent_id is None and opening_post(post.thread) is post


def approve_post(post: Post, *, by: User) -> None:
    """Publish a post that waited for approval (with its thread, when it opened one) and tell the
    followers who may now read it."""
    if post.status != PostStatus.PENDING:
        return
    post.status = PostStatus.PUBLISHED
    if _is_opening(post):
        post.thread.status = PostStatus.PUBLISHED
    post.thread.post_count += 1
    post.thread.last_post_at = max(post.thread.last_post_at, post.created_at)
    record_event("post_approved", actor=by, obj=post)
    _tell_author(post, "approved")
    _tell_followers(post)


def reject_post(post: Post, reason: str, *, by: User) -> None:
    """Refuse a post; when it opened a thread, the thread stays invisible to others with it."""
    post.status = PostStatus.REJECTED
    if _is_opening(post):
        post.thread.status = PostStatus.REJECTED
    post.hidden_reason = reason.strip()[:500] or None
    record_event("post_rejected", actor=by, obj=post)
    _tell_author(post, "rejected", post.hidden_reason)


def hide_thread(thread: Thread, reason: str, *, by: User) -> None:
    """Hide a whole thread, title included, from everyone but the moderators, with a reason.

    Notifications that name the thread are taken back from those who can no longer see it; the
    person who started it is told (the title is their own text).
    """
    reason = reason.replace("\x00", "").strip()[:500]
    if not reason:
        raise PostingRefused(_l("Give the reason for hiding the discussion."))
    thread.hidden_at, thread.hidden_reason, thread.hidden_by_id = utcnow(), reason, by.id
    record_event("thread_hidden", actor=by, obj=thread, reason=reason)
    _withdraw_unseen(_thread_path(thread), prefix=True, thread=thread)
    if thread.author is not None and thread.author_id != by.id:
        notify([thread.author], Kind.MODERATION, consultation=thread.consultation,
               data={"thread": thread.title, "consultation": thread.consultation.title,
                     "action": "thread_hidden", "reason": reason},
               link=url_path("dialogue.index", slug=thread.consultation.slug))


def unhide_thread(thread: Thread, *, by: User) -> None:
    """Show a hidden thread again (notifications taken back are not sent again)."""
    thread.hidden_at = thread.hidden_reason = thread.hidden_by_id = None
    record_event("thread_unhidden", actor=by, obj=thread)


def set_locked(thread: Thread, locked: bool, *, by: User) -> None:
    thread.locked = locked
    record_event("thread_locked" if locked else "thread_unlocked", actor=by, obj=thread)


def set_pinned(thread: Thread, pinned: bool, *, by: User) -> None:
    thread.pinned = pinned
    record_event("thread_pinned" if pinned else "thread_unpinned", actor=by, obj=thread)


def follow(thread: Thread, user: User) -> None:
    """Follow a thread (starting or replying follows automatically); once per user."""
    if thread.id is not None and is_following(thread, user):
        return
    db.session.add(ThreadFollow(thread=thread, user_id=user.id))


def unfollow(thread: Thread, user: User) -> None:
    existing = db.session.scalar(select(ThreadFollow).where(ThreadFollow.thread_id == thread.id,
                                                            ThreadFollow.user_id == user.id))
    if existing is not None:
        db.session.delete(existing)


def is_following(thread: Thread, user) -> bool:
    if not (user and user.is_authenticated):
        return False
    return db.session.scalar(select(ThreadFollow.id).where(ThreadFollow.thread_id == thread.id,
                                                           ThreadFollow.user_id == user.id)) is not None


def search_posts(consultation: Consultation, query: str, user) -> Select:
    """The posts of this consultation matching ``query`` whose text ``user`` may read, newest
    first, with their thread: a query to page (the gate narrows it, so hidden, deleted and
    unapproved posts are never matched for others). An empty ``query`` matches nothing.

    PostgreSQL: Dutch full-text search (stemming, so 'wijkteams' finds 'wijkteam');
    SQLite: a case-insensitive substring match, in the trigram index of posts (SQLITE_POST_SEARCH).
    """
    # NUL ends an FTS5 phrase (and PostgreSQL refuses it in text): a search never holds it.
    query = without_invisible(query).strip()[:200]
    base = shown_posts(select(Post).join(Post.thread).where(Thread.consultation_id == consultation.id),
                       user, consultation, post=Post, thread=Thread).options(contains_eager(Post.thread),
                                                                        joinedload(Post.author))
    if not query:
        return base.where(false())
    if db.session.get_bind().dialect.name == "postgresql":
        # The posts are found in their full-text index (ix_posts_body_search: the same expression), the
        # threads among this consultation's few; asked apart, since one OR across both tables would make
        # a search document of every post per search.
        config = literal_column(SEARCH_CONFIG)
        wanted = func.plainto_tsquery(config, query)
        matching = aliased(Post)
        in_text = select(matching.id).where(func.to_tsvector(config, matching.body).op("@@")(wanted))
        in_title = select(Thread.id).where(Thread.consultation_id == consultation.id,
                                           func.to_tsvector(config, Thread.title).op("@@")(wanted)).correlate(None)
        base = base.where(or_(Post.id.in_(in_text), Post.thread_id.in_(in_title)))
    else:
        pattern = like_contains(query)
        in_title = select(Thread.id).where(Thread.consultation_id == consultation.id,
                                           func.lower(Thread.title).like(pattern, escape="\\")).correlate(None)
        if len(query) >= 3:
            # The posts whose text holds the query, found in the trigram index (posts_fts): a phrase
            # of the query's trigrams is the query as a substring, in any case.
            phrase = '"' + query.replace('"', '""') + '"'
            in_text = Post.id.in_(text("SELECT rowid FROM posts_fts WHERE posts_fts MATCH :phrase")
                                  .bindparams(phrase=phrase).columns(column("rowid", Integer)))
        else:  # shorter than a trigram: the posts' text is read
            in_text = func.lower(Post.body).like(pattern, escape="\\")
        base = base.where(or_(in_text, Post.thread_id.in_(in_title)))
    return base.order_by(Post.created_at.desc(), Post.id.desc())


def purge_deleted_posts(now: datetime | None = None) -> int:
    """Empty the text of posts their authors deleted more than ``DELETED_POST_PURGE_DAYS`` ago,
    with their earlier versions and the key quotes taken from them. Until then moderators can
    still read a deleted post. Running it again changes nothing; returns the posts emptied now."""
    cutoff = (now or utcnow()) - timedelta(days=current_app.config["DELETED_POST_PURGE_DAYS"])
    due = select(Post.id).where(Post.deleted_at.is_not(None), Post.deleted_at <= cutoff)
    emptied = db.session.execute(update(Post).where(Post.id.in_(due), Post.body != "").values(body="")
                                 .execution_options(synchronize_session=False)).rowcount
    db.session.execute(update(PostRevision).where(PostRevision.post_id.in_(due), PostRevision.body != "")
                       .values(body="").execution_options(synchronize_session=False))
    posts_purged.send(current_app._get_current_object(), post_ids=due)
    if emptied:
        record_event("deleted_posts_purged", count=emptied, before=cutoff.isoformat())
    return emptied

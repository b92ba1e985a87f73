"""The notifications discussions send: a new message to those who follow the discussion, a
moderator's decision to the message's author, and to the project team the messages that wait
for it (reported, or to approve); and who follows a consultation's discussions."""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from consult.auth.models import User
from consult.dialogue.models import Thread, ThreadFollow
from consult.extensions import db
from consult.notify import registry
from consult.notify.models import Kind


def thread_followers(thread: Thread) -> list:
    """Who hears of a new message: those who follow the discussion (the gate asked per message
    when it is announced, see ``dialogue.services.tell_followers``)."""
    return list(db.session.scalars(select(User).join(ThreadFollow, ThreadFollow.user_id == User.id)
                                   .where(ThreadFollow.thread_id == thread.id).order_by(User.id)))


def author_of(post) -> list:
    """Who hears of a moderator's decision: the author of the message or discussion."""
    return [post.author] if post.author is not None else []


def _reply(d) -> tuple[str, list[str]]:
    return (_("New message in “%(thread)s”", thread=d["thread"]), [
        _("%(author)s wrote a message in the discussion “%(thread)s” of the consultation “%(title)s”.",
          author=d["author"], thread=d["thread"], title=d["consultation"])])


def _moderation(d) -> tuple[str, list[str]]:
    if d["action"] == "approved":
        return (_("Your message in “%(thread)s” is now visible", thread=d["thread"]), [
            _("The project team approved your message; all participants can read it now.")])
    if d["action"] == "rejected":
        return (_("Your message in “%(thread)s” was not published", thread=d["thread"]), [
            _("Reason given by the project team: %(reason)s", reason=d["reason"] or "—")])
    if d["action"] == "thread_hidden":
        return (_("Your discussion “%(thread)s” was hidden", thread=d["thread"]), [
            _("Only the project team can see it now."),
            _("Reason given by the project team: %(reason)s", reason=d["reason"] or "—")])
    return (_("Your message in “%(thread)s” was hidden", thread=d["thread"]), [
        _("Reason given by the project team: %(reason)s", reason=d["reason"] or "—")])


def _reported(d) -> tuple[str, list[str]]:
    return (_("A message in “%(thread)s” was reported", thread=d["thread"]), [
        _("A participant reported a message in the discussion “%(thread)s” of the consultation "
          "“%(title)s”. Look at it on the moderation page.", thread=d["thread"], title=d["consultation"])])


def _pending_thread(d) -> tuple[str, list[str]]:
    return (_("New discussion “%(thread)s” waits for approval", thread=d["thread"]), [
        _("Others see the discussion once a moderator approves it. Approve or reject it on the "
          "moderation page of “%(title)s”.", title=d["consultation"])])


def _pending(d) -> tuple[str, list[str]]:
    return (_("A message in “%(thread)s” waits for approval", thread=d["thread"]), [
        _("Others see the message once a moderator approves it. Approve or reject it on the "
          "moderation page of “%(title)s”.", title=d["consultation"])])


def _following(consultation):
    return select(ThreadFollow.user_id).join(Thread, Thread.id == ThreadFollow.thread_id) \
        .where(Thread.consultation_id == consultation.id)


registry.register_kind(Kind.THREAD_REPLY, owner="dialogue", label=_l("New messages in the discussions you follow"),
                       describe=_reply, recipients=thread_followers)
registry.register_kind(Kind.MODERATION, owner="dialogue", label=_l("Your message hidden or approved"),
                       describe=_moderation, recipients=author_of)
registry.register_event(Kind.WAITING, "reported", _reported)
registry.register_event(Kind.WAITING, "pending_thread", _pending_thread)
registry.register_event(Kind.WAITING, "pending", _pending)
registry.register_audience("dialogue", _following)

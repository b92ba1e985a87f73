"""The one notification service every feature uses.

``notify()`` stores an in-app notification per person and, depending on that person's choice
for the kind, queues an e-mail now, leaves it for the daily digest, or sends none. Mail is
rendered in the recipient's language and carries a signed one-click unsubscribe link.
Notifications carry titles and names only: never answers, cost prices or other confidential
content.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from flask import current_app, has_request_context, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import selectinload

from consult.audit.services import record_event
from consult.auth.models import User
from consult.core.mail import queue_mail, render_template_mail
from consult.core.outbox import OutboundMail
from consult.core.templating import format_moment
from consult.core.time import to_local, utcnow
from consult.extensions import db
from consult.notify import registry
from consult.notify.models import Frequency, Kind, Notification, Preference
from consult.orgs.models import Membership, Organisation, OrgKind

DEFAULT_FREQUENCY = Frequency.IMMEDIATE


# --- links -----------------------------------------------------------------------------

def absolute_url(endpoint: str, **values) -> str:
    """An absolute link for mail; outside a request (scheduled commands) from BASE_URL."""
    if has_request_context():
        return url_for(endpoint, _external=True, **values)
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for(endpoint, _external=True, **values)


def _absolute_path(path: str) -> str:
    if path.startswith(("http://", "https://")):
        return path
    if has_request_context():
        from flask import request
        return request.host_url.rstrip("/") + path
    return current_app.config["BASE_URL"].rstrip("/") + path


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="consult-unsubscribe")


def unsubscribe_token(user_id: int, kind: Kind) -> str:
    return _serializer().dumps([user_id, kind.value])


def read_unsubscribe_token(token: str) -> tuple[User, Kind] | None:
    """The user and kind a token was made for, or None when it is forged or stale."""
    try:
        user_id, kind_value = _serializer().loads(token)
        kind = Kind(kind_value)
    except (BadSignature, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id)
    return (user, kind) if user is not None else None


# --- what a notification says, in the reader's language --------------------------------

def moment(value: str | None, style=format_moment) -> str:
    """A moment stored as ISO text in the notification's data, in one of the named styles."""
    return style(datetime.fromisoformat(value)) if value else ""


def describe(kind: Kind, data: dict[str, Any]) -> tuple[str, list[str]]:
    """Title and body lines of a notification, in the current locale: the wording its feature
    registered for the kind (or for the kind's event)."""
    return registry.describe(kind, data)


# --- preferences -----------------------------------------------------------------------

def frequencies(user: User) -> dict[Kind, Frequency]:
    chosen = {p.kind: p.frequency for p in db.session.scalars(
        select(Preference).where(Preference.user_id == user.id))}
    return {kind: chosen.get(kind, DEFAULT_FREQUENCY) for kind in Kind}


def set_frequency(user: User, kind: Kind, frequency: Frequency) -> None:
    pref = db.session.scalar(select(Preference).where(Preference.user_id == user.id, Preference.kind == kind))
    if pref is None:
        db.session.add(Preference(user_id=user.id, kind=kind, frequency=frequency))
    else:
        pref.frequency = frequency


def unsubscribe(user: User, kind: Kind) -> None:
    set_frequency(user, kind, Frequency.OFF)
    record_event("notifications_unsubscribed", actor=user, obj=user, kind=kind.value)


# --- sending ---------------------------------------------------------------------------

def _mail_headers(user: User, kind: Kind) -> dict[str, str]:
    link = absolute_url("notify.unsubscribe", token=unsubscribe_token(user.id, kind))
    return {"List-Unsubscribe": f"<{link}>", "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def _render_single(user: User, notification: Notification) -> OutboundMail:
    kind = notification.kind
    with force_locale(user.locale):
        title, lines = describe(kind, notification.data)
        kind_label = kind.label
    subject, text, html = render_template_mail(
        "notification", locale=user.locale, user=user, title=title, lines=lines,
        link=_absolute_path(notification.link) if notification.link else "",
        kind_label=kind_label,
        unsubscribe=absolute_url("notify.unsubscribe", token=unsubscribe_token(user.id, kind)),
        settings=absolute_url("notify.settings"))
    return queue_mail(user.email, subject, text, html, user=user, headers=_mail_headers(user, kind))


def notify(users: Iterable[User], kind: Kind, *, data: dict[str, Any], link: str = "",
           consultation=None, dedupe_key: str | None = None) -> list[Notification]:
    """Store a notification for each (active, distinct) user and queue or defer its e-mail.

    With ``dedupe_key`` a person gets the notification at most once, however often this runs.
    """
    people = {u.id: u for u in users if u is not None and u.active and u.email_verified_at}
    if not people:
        return []
    keys = {uid: f"{dedupe_key}:u{uid}" for uid in people} if dedupe_key else {}
    if keys:
        seen = set(db.session.scalars(select(Notification.dedupe_key).where(
            Notification.dedupe_key.in_(list(keys.values())))))
        people = {uid: u for uid, u in people.items() if keys[uid] not in seen}
    chosen = {(p.user_id, p.kind): p.frequency for p in db.session.scalars(
        select(Preference).where(Preference.user_id.in_(list(people)), Preference.kind == kind))}
    created = []
    for uid, user in people.items():
        frequency = chosen.get((uid, kind), DEFAULT_FREQUENCY)
        notification = Notification(
            user_id=uid, kind=kind, data=data, link=link, dedupe_key=keys.get(uid),
            consultation_id=getattr(consultation, "id", None),
            delivery={Frequency.IMMEDIATE: "immediate", Frequency.DAILY: "digest"}.get(frequency, "none"))
        db.session.add(notification)
        if frequency == Frequency.IMMEDIATE:
            notification.mail = _render_single(user, notification)
        created.append(notification)
    return created


def send_digests(now: datetime | None = None) -> int:
    """One digest mail per person with waiting items, at most once per (Amsterdam) day."""
    now = now or utcnow()
    day = to_local(now).date().isoformat()
    waiting = db.session.scalars(
        select(Notification).where(Notification.delivery == "digest", Notification.mail_id.is_(None),
                                   Notification.created_at <= now)
        .options(selectinload(Notification.user)).order_by(Notification.user_id, Notification.created_at)).all()
    per_user: dict[int, list[Notification]] = defaultdict(list)
    for notification in waiting:
        per_user[notification.user_id].append(notification)
    sent = 0
    for user_id, items in per_user.items():
        key = f"digest:{user_id}:{day}"
        if db.session.scalar(select(OutboundMail.id).where(OutboundMail.dedupe_key == key)) is not None:
            continue  # today's digest went out already; these wait for tomorrow's
        user = items[0].user
        if not (user.active and user.email_verified_at):
            continue
        groups: dict[str, list[tuple[str, list[str], str]]] = defaultdict(list)
        consultation_titles = _consultation_titles({n.consultation_id for n in items})
        with force_locale(user.locale):
            general = _("General")
            for notification in items:
                title, lines = describe(notification.kind, notification.data)
                group = consultation_titles.get(notification.consultation_id, general)
                groups[group].append((title, lines, _absolute_path(notification.link) if notification.link else ""))
            subject_count = len(items)
        subject, text, html = render_template_mail(
            "digest", locale=user.locale, user=user, groups=dict(groups), count=subject_count,
            settings=absolute_url("notify.settings"))
        mail = queue_mail(user.email, subject, text, html, user=user, dedupe_key=key)
        for notification in items:
            notification.mail = mail
        sent += 1
    return sent


def _consultation_titles(ids: set[int | None]) -> dict[int, str]:
    ids = {i for i in ids if i}
    return registry.consultation_titles(ids) if ids else {}


# --- who is told -----------------------------------------------------------------------

def organisation_users(org_ids: Iterable[int]) -> list[User]:
    org_ids = list(set(org_ids))
    if not org_ids:
        return []
    return list(db.session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                                   .where(Membership.organisation_id.in_(org_ids)).distinct()))


def participants(consultation) -> list[User]:
    """People who take part: members of organisations that started a response, asked a
    question or were asked for advice on this consultation (as each of those features registers
    its part in :func:`consult.notify.registry.register_participants`)."""
    return organisation_users(registry.participant_organisations(consultation))


def audience(consultation) -> list[User]:
    """Everyone registered for the consultation: they hear what the others hear, at the same time
    (a published Q&A answer, published advice with its reply).

    Who counts as registered: a published consultation is open to every interested care provider
    and every advisory council (anyone may join, and a provider may start its response on the
    last day), so every member of every provider and council organisation on the platform counts,
    whether or not their organisation has started a response. Everyone who follows one of the
    consultation's discussions counts too (the features register who follows, see
    :func:`consult.notify.registry.register_audience`), as do the :func:`participants`. The project
    team is left out: it is the one publishing. A consultation closed to invited organisations
    narrows the first group to the invited organisations' members, and leaves out anyone else (a
    follower or participant whose organisation is no longer invited cannot read what they would be
    told; the consultation's feature registers that check as the audience gate).
    """
    registered = select(Membership.user_id).join(Organisation, Organisation.id == Membership.organisation_id) \
        .where(Organisation.kind.in_([OrgKind.PROVIDER, OrgKind.COUNCIL]))
    if consultation.invited_only:
        registered = registered.where(Organisation.id.in_([org.id for org in consultation.invited]))
    team = {member.user_id for member in consultation.team}
    people = {user.id: user for user in db.session.scalars(
        select(User).where(or_(User.id.in_(registered),
                               *(User.id.in_(source) for source in registry.audience_sources(consultation))))
        .order_by(User.id))}
    people.update((user.id, user) for user in participants(consultation))
    return [user for uid, user in sorted(people.items()) if uid not in team
            and (not consultation.invited_only or registry.audience_gate(user, consultation))]


def url_path(endpoint: str, **values) -> str:
    """A site-relative link, also from scheduled commands."""
    if has_request_context():
        return url_for(endpoint, **values)
    with current_app.test_request_context(base_url=current_app.config["BASE_URL"]):
        return url_for(endpoint, **values)


# --- the in-app list -------------------------------------------------------------------

def unread_count(user: User) -> int:
    return db.session.scalar(select(func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def linking_to(link: str, *, prefix: bool = False, kinds: Iterable[Kind] | None = None) -> list[Notification]:
    """Notifications whose link is ``link`` or, with ``prefix``, a place on that page (``link#...``),
    with their readers loaded."""
    where = or_(Notification.link == link, Notification.link.startswith(link + "#", autoescape=True)) \
        if prefix else Notification.link == link
    query = select(Notification).where(where).options(selectinload(Notification.user))
    if kinds is not None:
        query = query.where(Notification.kind.in_(list(kinds)))
    return list(db.session.scalars(query))


def withdraw(notifications: Iterable[Notification]) -> int:
    """Take notifications back when what they name may no longer be shown to their reader: they
    leave the in-app list and any digest not yet sent. A mail already sent, or queued for immediate
    delivery, is not recalled (it names a thread and an author, never a message's text)."""
    count = 0
    for notification in notifications:
        db.session.delete(notification)
        count += 1
    return count


def mark_read_about(user: User, kind: Kind, consultation) -> int:
    """Mark the user's notifications of ``kind`` about ``consultation`` as read: they opened the page
    those notifications point to (the published questions and answers)."""
    result = db.session.execute(
        update(Notification).where(Notification.user_id == user.id, Notification.kind == kind,
                                   Notification.consultation_id == consultation.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one of the user's own notifications (or all) as read."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    result = db.session.execute(query.values(read_at=utcnow()).execution_options(synchronize_session=False))
    return result.rowcount

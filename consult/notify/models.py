"""The outbox of e-mail, the in-app notification list and each person's choices.

Everything is stored before anything is delivered: an action commits its notifications and
their e-mail in the same transaction, and delivery (inline after the request, or in the RQ
worker) works from these rows, so a mail server that is down loses nothing.
"""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.core.db import str_enum
from consult.core.outbox import OutboundMail
from consult.core.time import UTCDateTime, utcnow
from consult.extensions import db


class Kind(enum.StrEnum):
    """The kinds a notification can be; each is registered (label, wording, recipients) by the
    feature that sends it (``consult/<feature>/notifications.py``)."""

    RECEIPT = "receipt"
    CHANGED = "changed"
    QA = "qa"
    THREAD_REPLY = "thread_reply"
    MODERATION = "moderation"
    REMINDER = "reminder"
    ADVICE = "advice"
    REPORT = "report"
    WAITING = "waiting"  # for the project team: what waits for it (reports, approvals, questions)
    SESSION = "session"  # dialogue sessions: registration, waiting list, changes, reminders (consult.sessions)

    @property
    def label(self) -> str:
        """The settings page's name for the kind, as its feature registered it."""
        from consult.notify.registry import entry

        return str(entry(self).label)


class Frequency(enum.StrEnum):
    IMMEDIATE = "immediate"
    DAILY = "daily"
    OFF = "off"

    @property
    def label(self) -> str:
        return str(FREQUENCY_LABELS[self])


FREQUENCY_LABELS = {
    Frequency.IMMEDIATE: _l("E-mail at once"),
    Frequency.DAILY: _l("Daily digest"),
    Frequency.OFF: _l("No e-mail"),
}


class Notification(db.Model):
    """One item in a person's notification list (the bell). Stored as a kind with data, so it
    is shown in the reader's language; it never holds confidential content."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user_read", "user_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[Kind] = mapped_column(str_enum(Kind))
    consultation_id: Mapped[int | None] = mapped_column(
        ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    link: Mapped[str] = mapped_column(String(500), default="")
    # Reminders and other scheduled items: the same key twice is one notification.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    # immediate: has its own mail; digest: waits for the daily digest; none: no e-mail.
    delivery: Mapped[str] = mapped_column(String(10), default="none")
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_mail.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()
    mail: Mapped[OutboundMail | None] = relationship()


class Preference(db.Model):
    """A person's choice for one kind; without a row the kind's default applies."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[Kind] = mapped_column(str_enum(Kind))
    frequency: Mapped[Frequency] = mapped_column(str_enum(Frequency))


class Visit(db.Model):
    """When a person last looked at their overview on the home page, so it can say what is new
    since their last visit. A visit ends after ``VISIT_GAP`` without a look; until then ``since``
    stays where it was, so reloading the page does not make what is new disappear."""

    __tablename__ = "visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The end of the previous visit: "new" means after this (None on the first visit).
    since: Mapped[datetime | None] = mapped_column(UTCDateTime())

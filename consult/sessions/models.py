"""A dialogue table (session) of a consultation and the registrations for it."""
from __future__ import annotations

import enum
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.consultations.models import Consultation, ParticipantAudience, Theme
from consult.core.db import str_enum
from consult.core.time import UTCDateTime, to_local, utcnow
from consult.extensions import db
from consult.orgs.models import Organisation
from consult.responses.models import Publication


class SessionStatus(enum.StrEnum):
    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"  # stays listed, marked as cancelled


class RegistrationStatus(enum.StrEnum):
    REGISTERED = "registered"  # has a seat
    WAITING = "waiting"        # on the waiting list, moves up when a seat comes free
    CANCELLED = "cancelled"    # cancelled by the person (kept for the audit of who came and went)

    @property
    def label(self) -> str:
        return str(REGISTRATION_STATUS_LABELS[self])


REGISTRATION_STATUS_LABELS = {
    RegistrationStatus.REGISTERED: lazy_pgettext("session registration", "Registered"),
    RegistrationStatus.WAITING: _l("Waiting list"),
    RegistrationStatus.CANCELLED: _l("Cancelled"),
}

session_themes = Table(
    "session_themes",
    db.metadata,
    Column("session_id", ForeignKey("dialogue_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("theme_id", ForeignKey("themes.id", ondelete="CASCADE"), primary_key=True),
)


class DialogueSession(db.Model):
    """One dialogue table: a meeting at a place and/or online, at a time (stored UTC)."""

    __tablename__ = "dialogue_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    purpose: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(Text, default="")
    online_link: Mapped[str] = mapped_column(String(500), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int]
    seats_per_organisation: Mapped[int] = mapped_column(default=2)
    audience: Mapped[ParticipantAudience] = mapped_column(str_enum(ParticipantAudience), default=ParticipantAudience.BOTH)
    registration_deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[SessionStatus] = mapped_column(str_enum(SessionStatus), default=SessionStatus.SCHEDULED)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Raised by every change (update_if_version): the edit form's conflict check, and the
    # calendar entry's SEQUENCE (version - 1), so a calendar replaces its copy of the entry.
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Before the session the team publishes the agenda (participants may then send written input
    # per item); after it, the minutes, to the registrants.
    agenda_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    minutes_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Publishing the minutes opens a comment period for the registrants; it ends at this moment
    # (the start of the day after the last day the team chose, Amsterdam time).
    comments_close_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    consultation: Mapped[Consultation] = relationship()
    themes: Mapped[list[Theme]] = relationship(secondary=session_themes, order_by=Theme.position)
    created_by: Mapped[User | None] = relationship()
    agenda: Mapped[list[AgendaItem]] = relationship(back_populates="session", cascade="all, delete-orphan",
                                                    order_by="AgendaItem.position, AgendaItem.id")

    @property
    def cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def sequence(self) -> int:
        """The iCalendar SEQUENCE: 0 as first sent, one higher after every change."""
        return self.version - 1

    def comments_open(self, now: datetime | None = None) -> bool:
        """The minutes are published, their comment period has not ended and the session is not cancelled."""
        now = now or utcnow()
        return self.minutes_published_at is not None and not self.cancelled \
            and self.comments_close_at is not None and now < self.comments_close_at

    @property
    def comments_last_day(self):
        """The last day (Amsterdam) on which registrants may comment on the minutes, or None."""
        if self.comments_close_at is None:
            return None
        return to_local(self.comments_close_at - timedelta(seconds=1)).date()

    def registration_open(self, now: datetime | None = None) -> bool:
        """Scheduled, before the registration deadline and before the start (server clock)."""
        now = now or utcnow()
        return not self.cancelled and now < self.registration_deadline and now < self.starts_at


class Registration(db.Model):
    """A person's registration for a session on behalf of one of their organisations.
    Organisation-scoped: loaded only through consult.sessions.permissions helpers."""

    __tablename__ = "session_registrations"
    __table_args__ = (
        # One active registration per person and session; a cancelled one may be followed by a new one.
        Index("uq_session_registrations_active_person", "session_id", "user_id", unique=True,
              sqlite_where=text("status != 'cancelled'"), postgresql_where=text("status != 'cancelled'")),
        Index("ix_session_registrations_session_status", "session_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("dialogue_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(str_enum(RegistrationStatus))
    # None: not recorded yet; True: attended; False: did not come.
    attended: Mapped[bool | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Whether the person agrees that their organisation is named in the minutes (and in what leaves
    # the team from them); changeable on the session's page. An organisation is named only while
    # every one of its active registrations agrees (consult.disclosure.sessions decides).
    may_name_organisation: Mapped[bool] = mapped_column(default=False)
    # When the person got a seat (at once, or on moving up from the waiting list).
    seated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    session: Mapped[DialogueSession] = relationship()
    user: Mapped[User] = relationship()
    organisation: Mapped[Organisation] = relationship()

    @property
    def active(self) -> bool:
        return self.status != RegistrationStatus.CANCELLED


class AgendaItem(db.Model):
    """One item of a session's agenda, in order."""

    __tablename__ = "session_agenda_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("dialogue_sessions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")

    session: Mapped[DialogueSession] = relationship(back_populates="agenda")
    minutes: Mapped[list[MinutesPoint]] = relationship(back_populates="item", cascade="all, delete-orphan",
                                                       order_by="MinutesPoint.number")


class WrittenInput(db.Model):
    """An organisation's written input on one agenda item (for those who cannot come): one per
    organisation and item, changed in place. Organisation-scoped: loaded only through the helpers
    in consult.sessions.permissions; the team reads all of it, nobody else another organisation's."""

    __tablename__ = "session_written_inputs"
    __table_args__ = (UniqueConstraint("agenda_item_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("session_agenda_items.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    # The answers' publication choice for this input (with our name / without / do not publish):
    # whether a key quote of it may reach the report, and under which name
    # (consult.disclosure.sessions decides).
    publication: Mapped[Publication] = mapped_column(str_enum(Publication), default=Publication.NONE)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    item: Mapped[AgendaItem] = relationship()
    organisation: Mapped[Organisation] = relationship()
    author: Mapped[User | None] = relationship()


class MinutesPoint(db.Model):
    """A numbered point of the minutes under one agenda item (shown as "item.number")."""

    __tablename__ = "session_minutes_points"
    __table_args__ = (UniqueConstraint("agenda_item_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agenda_item_id: Mapped[int] = mapped_column(ForeignKey("session_agenda_items.id", ondelete="CASCADE"))
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The organisation the point is attributed to (the team's choice among the registered ones);
    # shown outside the team only when the organisation agreed (consult.disclosure.sessions).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"),
                                                        index=True)
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the team changes the point after the minutes were published (shown with the point).
    changed_after_publication_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    item: Mapped[AgendaItem] = relationship(back_populates="minutes")
    organisation: Mapped[Organisation | None] = relationship()
    comments: Mapped[list[MinutesComment]] = relationship(
        back_populates="point", cascade="all, delete-orphan",
        order_by="MinutesComment.created_at, MinutesComment.id")


class MinutesComment(db.Model):
    """A registrant's comment on one minutes point during the comment period, on behalf of the
    organisation they registered for, with the team's answer. Organisation-scoped: loaded only
    through consult.sessions.permissions; outside the team the organisation is named only where it
    agreed (consult.disclosure.sessions)."""

    __tablename__ = "session_minutes_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    point_id: Mapped[int] = mapped_column(ForeignKey("session_minutes_points.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    text: Mapped[str] = mapped_column(Text)
    # Raised by every save of the comment and of its answer: a stale form is refused, not overwritten.
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    reply: Mapped[str] = mapped_column(Text, default="")
    # The team marked the point corrected in answer to this comment.
    corrected: Mapped[bool] = mapped_column(default=False)
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    point: Mapped[MinutesPoint] = relationship(back_populates="comments")
    organisation: Mapped[Organisation] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    replied_by: Mapped[User | None] = relationship(foreign_keys=[replied_by_id])

"""Advice requests, a council's advice (introduction and numbered points), the reply per point,
and the informal comments of council members on themes and questions."""
from __future__ import annotations

import enum
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.consultations.models import Consultation, Question, Theme
from consult.core.db import str_enum
from consult.core.storage import StoredFileMixin
from consult.core.time import UTCDateTime, utcnow
from consult.extensions import db
from consult.orgs.models import Organisation


class Disposition(enum.StrEnum):
    """What the municipality did with a piece of input (advice point, answer, post)."""

    ADOPTED = "adopted"
    PARTLY = "partly"
    NOT_ADOPTED = "not_adopted"

    @property
    def label(self) -> str:
        return str(DISPOSITION_LABELS[self])


DISPOSITION_LABELS = {
    Disposition.ADOPTED: _l("Adopted"),
    Disposition.PARTLY: _l("Partly adopted"),
    Disposition.NOT_ADOPTED: _l("Not adopted"),
}


class AdviceSubject(enum.StrEnum):
    CONSULTATION = "consultation"
    STRATEGY = "strategy"

    @property
    def label(self) -> str:
        return str(ADVICE_SUBJECT_LABELS[self])


# Lazy, so form choices built at import follow each request's language.
ADVICE_SUBJECT_LABELS = {
    AdviceSubject.CONSULTATION: _l("The consultation"),
    AdviceSubject.STRATEGY: _l("The procurement-strategy draft"),
}


class AdviceStatus(enum.StrEnum):
    DRAFT = "draft"            # private to the council
    SUBMITTED = "submitted"    # with the team, who write the reply
    PUBLISHED = "published"    # advice and reply visible to all participants

    @property
    def label(self) -> str:
        return str({AdviceStatus.DRAFT: _l("Being drafted by the council"),
                    AdviceStatus.SUBMITTED: _l("Submitted"),
                    AdviceStatus.PUBLISHED: _l("Reply published")}[self])


class AdviceRequest(db.Model):
    __tablename__ = "advice_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    subject: Mapped[AdviceSubject] = mapped_column(str_enum(AdviceSubject), default=AdviceSubject.CONSULTATION)
    question: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    consultation: Mapped[Consultation] = relationship()
    advices: Mapped[list[Advice]] = relationship(back_populates="request", cascade="all, delete-orphan",
                                                 order_by="Advice.id")


class Advice(db.Model):
    """One council's advice on one request; drafted together inside the council."""

    __tablename__ = "advices"
    __table_args__ = (UniqueConstraint("request_id", "council_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("advice_requests.id", ondelete="CASCADE"), index=True)
    council_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    status: Mapped[AdviceStatus] = mapped_column(str_enum(AdviceStatus), default=AdviceStatus.DRAFT)
    introduction: Mapped[str] = mapped_column(Text, default="")
    # Raised on every save of the introduction: two members editing at once do not overwrite each other.
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Submission: the exact content, its digest and the receipt code derived from it.
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    canonical: Mapped[str | None] = mapped_column(Text)
    digest: Mapped[str | None] = mapped_column(String(64))
    receipt_code: Mapped[str | None] = mapped_column(String(32), unique=True)
    # The municipality's reply.
    reply_introduction: Mapped[str] = mapped_column(Text, default="")
    # Raised with every save of the reply (introduction and the reply per point) and on publishing.
    reply_version: Mapped[int] = mapped_column(default=1)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    request: Mapped[AdviceRequest] = relationship(back_populates="advices")
    council: Mapped[Organisation] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    updated_by: Mapped[User | None] = relationship(foreign_keys=[updated_by_id])
    points: Mapped[list[AdvicePoint]] = relationship(back_populates="advice", cascade="all, delete-orphan",
                                                     order_by="AdvicePoint.position, AdvicePoint.id")
    # The optional attached document (loaded with the advice: every page of it shows the file).
    file: Mapped[AdviceFile | None] = relationship(back_populates="advice", cascade="all, delete-orphan",
                                                   lazy="joined")


class AdviceFile(StoredFileMixin, db.Model):
    """The document a council attached to its advice: at most one; attaching another replaces it."""

    __tablename__ = "advice_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    advice_id: Mapped[int] = mapped_column(ForeignKey("advices.id", ondelete="CASCADE"), unique=True)

    advice: Mapped[Advice] = relationship(back_populates="file")


class AdvicePoint(db.Model):
    __tablename__ = "advice_points"

    id: Mapped[int] = mapped_column(primary_key=True)
    advice_id: Mapped[int] = mapped_column(ForeignKey("advices.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    # The reply, written by the team after submission.
    disposition: Mapped[Disposition | None] = mapped_column(str_enum(Disposition))
    reply: Mapped[str] = mapped_column(Text, default="")
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    advice: Mapped[Advice] = relationship(back_populates="points")

    @property
    def number(self) -> int:
        return self.advice.points.index(self) + 1


class CouncilComment(db.Model):
    """An informal remark by a council member on a theme or question, for team and councils."""

    __tablename__ = "council_comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    theme: Mapped[Theme | None] = relationship()
    question: Mapped[Question | None] = relationship()
    author: Mapped[User | None] = relationship()
    organisation: Mapped[Organisation | None] = relationship()

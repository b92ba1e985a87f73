"""An organisation's response: answers (versioned for concurrent editing), attachments,
and every submission kept as a revision with its own receipt."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.consultations.models import Consultation, Question
from consult.core.db import str_enum
from consult.core.time import UTCDateTime, utcnow
from consult.extensions import db
from consult.orgs.models import Organisation



class ResponseStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return str(RESPONSE_STATUS_LABELS[self])


RESPONSE_STATUS_LABELS = {
    ResponseStatus.DRAFT: _l("Draft"),
    ResponseStatus.SUBMITTED: _l("Submitted"),
    ResponseStatus.WITHDRAWN: _l("Withdrawn"),
}


class Publication(enum.StrEnum):
    NAMED = "named"
    ANONYMOUS = "anonymous"
    NONE = "none"

    @property
    def label(self) -> str:
        return str(PUBLICATION_LABELS[self])


PUBLICATION_LABELS = {
    Publication.NAMED: _l("Publish our answers with the name of our organisation"),
    Publication.ANONYMOUS: _l("Publish our answers without the name of our organisation"),
    Publication.NONE: _l("Do not publish our answers"),
}


class Response(db.Model):
    __tablename__ = "responses"
    __table_args__ = (UniqueConstraint("consultation_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"),
                                                 index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"),
                                                 index=True)
    status: Mapped[ResponseStatus] = mapped_column(str_enum(ResponseStatus), default=ResponseStatus.DRAFT)
    publication: Mapped[Publication | None] = mapped_column(str_enum(Publication))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    consultation: Mapped[Consultation] = relationship()
    organisation: Mapped[Organisation] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")
    submissions: Mapped[list[Submission]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="Submission.number")

    def answer_for(self, question_id: int) -> Answer | None:
        return next((a for a in self.answers if a.question_id == question_id), None)

    @property
    def latest_submission(self) -> Submission | None:
        return self.submissions[-1] if self.submissions else None


class Answer(db.Model):
    """One answer; ``version`` rises with every save so a stale save is detected, never lost."""

    __tablename__ = "answers"
    __table_args__ = (UniqueConstraint("response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    confidential: Mapped[bool] = mapped_column(default=False)
    # The organisation chose not to answer this (optional) question: the theme can still be complete.
    skipped: Mapped[bool] = mapped_column(default=False)
    version: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    response: Mapped[Response] = relationship(back_populates="answers")
    question: Mapped[Question] = relationship()
    updated_by: Mapped[User | None] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="answer", cascade="all, delete-orphan", order_by="Attachment.id")

    @property
    def current_attachments(self) -> list[Attachment]:
        return [a for a in self.attachments if a.removed_at is None]

    @property
    def is_empty(self) -> bool:
        return self.value in (None, "", []) and not self.current_attachments


class Attachment(db.Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    file_type: Mapped[str] = mapped_column(String(10))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Removed from the draft; the file stays because earlier submissions may refer to it.
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    answer: Mapped[Answer] = relationship(back_populates="attachments")


class Submission(db.Model):
    """A submitted revision: a frozen canonical copy of the response and its receipt code."""

    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("response_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime())
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The exact text the receipt's SHA-256 was computed over.
    canonical: Mapped[str] = mapped_column(Text)
    digest: Mapped[str] = mapped_column(String(64))
    receipt_code: Mapped[str] = mapped_column(String(32), unique=True)
    # SHA-256 over the content alone (no time): the same content submitted twice is one submission.
    content_hash: Mapped[str] = mapped_column(String(64))
    question_set_version: Mapped[int]

    response: Mapped[Response] = relationship(back_populates="submissions")
    submitted_by: Mapped[User | None] = relationship()

    @property
    def snapshot(self) -> dict[str, Any]:
        import json

        return json.loads(self.canonical)

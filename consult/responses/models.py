"""An organisation's response: answers (versioned for concurrent editing), attachments,
and every submission kept as a revision with its own receipt."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship

from consult.auth.models import User
from consult.consultations.models import Consultation, OfferedLot, Question
from consult.core.db import str_enum
from consult.core.storage import StoredFileMixin
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


# Kinds of answer stored as JSON in a submitted answer's ``value_choices``: a list of choices, a
# ranking's order, a matrix's points per row, a price table's or cost-price sheet's figures per product.
JSON_KINDS = ("multiple", "ranking", "matrix", "price_table", "cost_price")


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
    # When an answer was last saved or a file added; an autosave lets it lag (responses.services._changed_at).
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # How many people work for the organisation, as the lower bound of its band (SIZE_BANDS in
    # consult.consultations.conditions); asked where a question or theme depends on it.
    size: Mapped[int | None] = mapped_column()

    consultation: Mapped[Consultation] = relationship()
    organisation: Mapped[Organisation] = relationship()
    answers: Mapped[list[Answer]] = relationship(back_populates="response", cascade="all, delete-orphan")
    # What the organisation offers: (lot, municipality) pairs, when the consultation has lots.
    offer: Mapped[list[OfferedLot]] = relationship(cascade="all, delete-orphan", passive_deletes=True,
                                                   order_by="OfferedLot.lot_id, OfferedLot.municipality_id")
    submissions: Mapped[list[Submission]] = relationship(
        back_populates="response", cascade="all, delete-orphan", order_by="Submission.number")
    # The number of submissions, where a list query asks for it (``with_expression``): counted in SQL.
    revisions: Mapped[int | None] = query_expression()
    # The publication choice frozen in the latest submission, where a query asks for it
    # (``consult.analysis.services.submitted_publication``), so the gate needs no canonical copy.
    submitted_publication: Mapped[str | None] = query_expression()

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
    # Copied from the organisation's submission in an earlier round of the trajectory (its receipt).
    copied_from_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id", ondelete="SET NULL"))

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


class Attachment(StoredFileMixin, db.Model):
    __tablename__ = "attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("answers.id", ondelete="CASCADE"), index=True)
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
    answer_rows: Mapped[list[SubmittedAnswer]] = relationship(
        back_populates="submission", cascade="all, delete-orphan", passive_deletes=True,
        order_by="SubmittedAnswer.position")

    @property
    def snapshot(self) -> dict[str, Any]:
        import json

        return json.loads(self.canonical)


class SubmittedOffer(db.Model):
    """One lot in one municipality that a care provider offered when it submitted, as a row beside
    the answer rows (the canonical copy names them): the analysis filters submitted answers by lot and
    municipality with these. ``current`` marks the rows of each response's latest revision. No
    foreign key to the lot: a submission keeps what it said, also of a lot removed later."""

    __tablename__ = "submitted_offers"
    __table_args__ = (Index("ix_submitted_offers_lot_current", "lot_id", "current", "response_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    lot_id: Mapped[int]
    municipality_id: Mapped[int]
    current: Mapped[bool] = mapped_column(default=True)


class SubmittedAnswer(db.Model):
    """One answer of a submission as a row, written in the same transaction as the submission's
    frozen canonical copy and holding exactly what that copy says about the answer.

    The canonical copy stays the source of the receipt and is never changed; these rows exist so
    that analysis, filters, counts, the team's lists and the exports can query and page in SQL
    instead of loading and parsing every submission's JSON. ``current`` marks the rows of each
    response's latest revision (a withdrawn response keeps its rows; its status says it is out).
    """

    __tablename__ = "submitted_answers"
    __table_args__ = (
        UniqueConstraint("submission_id", "question_id"),
        Index("ix_submitted_answers_question_current", "question_id", "current", "response_id"),
        Index("ix_submitted_answers_consultation_current", "consultation_id", "current", "question_id"),
        Index("ix_submitted_answers_organisation_revision", "organisation_id", "revision"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"))
    response_id: Mapped[int] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"), index=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    # No foreign key: the canonical copy keeps the answer even if its question were removed later.
    question_id: Mapped[int]
    revision: Mapped[int]
    current: Mapped[bool] = mapped_column(default=True)
    position: Mapped[int]  # the answer's place in the canonical copy
    # The publication choice frozen in the submission (the gate takes the stricter of this and
    # the response's current choice).
    publication: Mapped[str | None] = mapped_column(String(20))
    theme: Mapped[str] = mapped_column(Text)
    question: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))
    unit: Mapped[str | None] = mapped_column(String(40))
    value_text: Mapped[str | None] = mapped_column(Text)        # open text, single choice
    value_number: Mapped[float | None] = mapped_column(Float)   # number, scale
    value_choices: Mapped[str | None] = mapped_column(Text)     # multiple choice: the list as JSON
    text: Mapped[str] = mapped_column(Text, default="")         # the answer as one line, as shown
    folded: Mapped[str] = mapped_column(Text, default="")       # ``text`` casefolded, for searching
    confidential: Mapped[bool] = mapped_column(default=False)
    attachments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The lot and municipality the question was asked for ({"lot": name, "municipality": name}).
    scope: Mapped[dict[str, str] | None] = mapped_column(JSON)

    submission: Mapped[Submission] = relationship(back_populates="answer_rows")
    response: Mapped[Response] = relationship()
    organisation: Mapped[Organisation] = relationship()

    @property
    def value(self) -> Any:
        """The answer's value as the canonical copy has it."""
        return self.value_of(self.kind, self.value_text, self.value_number, self.value_choices)

    @staticmethod
    def value_of(kind: str, text: str | None, number: float | None, choices: str | None) -> Any:
        """The value from the value columns (also of a grouped query that selects only those)."""
        if kind in JSON_KINDS:
            import json

            return json.loads(choices) if choices is not None else None
        if kind == "scale":
            return int(number) if number is not None else None
        if kind == "number":
            return number
        return text

    def as_canonical(self) -> dict[str, Any]:
        """The answer as it stands in the submission's canonical copy."""
        answer = {"question_id": self.question_id, "theme": self.theme, "question": self.question,
                  "kind": self.kind, "unit": self.unit, "value": self.value, "confidential": self.confidential,
                  "attachments": self.attachments}
        return {**answer, "scope": self.scope} if self.scope else answer

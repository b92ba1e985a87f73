"""Tags (codes) per consultation, their application to answers, excerpts and posts, key quotes
and the team's syntheses ("wat we hoorden").

An answer is identified by (response, question): the analysis always reads the latest submitted
revision of a response, so a tag stays on the answer when the organisation submits again.
"""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.core.db import str_enum
from consult.core.time import UTCDateTime, utcnow
from consult.extensions import db

# Colours with at least 4.5:1 contrast against white text; the name is always shown too.
TAG_COLOURS = {
    "blue": ("#154273", _l("Blue")),
    "green": ("#2a6e3f", _l("Green")),
    "purple": ("#5b2c83", _l("Purple")),
    "red": ("#a4262c", _l("Red")),
    "brown": ("#7a4a16", _l("Brown")),
    "grey": ("#4b4b4b", _l("Grey")),
}


class Tag(db.Model):
    __tablename__ = "tags"
    __table_args__ = (UniqueConstraint("consultation_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    colour: Mapped[str] = mapped_column(String(20), default="blue")
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def hex(self) -> str:
        return TAG_COLOURS.get(self.colour, TAG_COLOURS["blue"])[0]


class Coding(db.Model):
    """A tag on a whole answer, on an excerpt of an answer, on a discussion post, or on a dialogue
    session's minutes point or written input."""

    __tablename__ = "codings"
    __table_args__ = (
        Index("ix_codings_answer", "response_id", "question_id"),
        CheckConstraint("(response_id IS NOT NULL AND question_id IS NOT NULL) OR post_id IS NOT NULL "
                        "OR minutes_point_id IS NOT NULL OR written_input_id IS NOT NULL", name="target"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    # A point of a dialogue session's minutes, or an organisation's written input on an agenda item.
    minutes_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_minutes_points.id", ondelete="CASCADE"), index=True)
    written_input_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_written_inputs.id", ondelete="CASCADE"), index=True)
    # An excerpt: character offsets into the answer's text and the text itself.
    start: Mapped[int | None]
    end: Mapped[int | None]
    excerpt: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    tag: Mapped[Tag] = relationship()
    created_by: Mapped[User | None] = relationship()


class BulkTagging(db.Model):
    """What one person's last bulk action on one question's answers did, so that "Undo" reverses
    exactly that: the codings it added (their ids), or the codings it removed (enough to put each
    back as it was). Each new bulk action replaces the record; undoing deletes it."""

    __tablename__ = "bulk_taggings"
    __table_args__ = (UniqueConstraint("user_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    question_id: Mapped[int] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"), index=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), index=True)
    removed: Mapped[bool] = mapped_column(default=False)  # False: the action added the tag
    # Added: [coding id, ...]. Removed: [{"response_id", "created_by_id", "created_at"}, ...].
    codings: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    tag: Mapped[Tag] = relationship()

    @property
    def count(self) -> int:
        return len(self.codings)


class Quote(db.Model):
    """An excerpt of a non-confidential answer, a post, a minutes point or a written input, marked
    for the report."""

    __tablename__ = "quotes"
    __table_args__ = (Index("ix_quotes_answer", "response_id", "question_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    response_id: Mapped[int | None] = mapped_column(ForeignKey("responses.id", ondelete="CASCADE"))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    minutes_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_minutes_points.id", ondelete="CASCADE"), index=True)
    written_input_id: Mapped[int | None] = mapped_column(
        ForeignKey("session_written_inputs.id", ondelete="CASCADE"), index=True)
    start: Mapped[int | None]
    end: Mapped[int | None]
    text: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class SynthesisStatus(enum.StrEnum):
    DRAFT = "draft"
    FINAL = "final"

    @property
    def label(self) -> str:
        return str({SynthesisStatus.DRAFT: _l("Draft"), SynthesisStatus.FINAL: _l("Final")}[self])


class Synthesis(db.Model):
    """What we heard, per theme (question_id empty) or per question."""

    __tablename__ = "syntheses"
    __table_args__ = (
        UniqueConstraint("theme_id", "question_id"),
        # The constraint above does not hold for the theme's own synthesis (NULLs differ from each
        # other); this one does, so two first saves at once cannot make two.
        Index("uq_syntheses_theme_id_theme_only", "theme_id", unique=True,
              sqlite_where=text("question_id IS NULL"), postgresql_where=text("question_id IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int] = mapped_column(ForeignKey("themes.id", ondelete="CASCADE"))
    question_id: Mapped[int | None] = mapped_column(ForeignKey("questions.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[SynthesisStatus] = mapped_column(str_enum(SynthesisStatus), default=SynthesisStatus.DRAFT)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # Raised with every save, so two analysts saving at once do not overwrite each other.
    version: Mapped[int] = mapped_column(default=1)

    updated_by: Mapped[User | None] = relationship()

"""A draft open for comment, its numbered paragraphs (kept across revisions, removed ones marked)
and the comments per paragraph with the team's disposition and reply."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.advice.models import Disposition
from consult.auth.models import User
from consult.consultations.models import Consultation, ParticipantAudience
from consult.core.db import str_enum
from consult.core.time import UTCDateTime, utcnow
from consult.extensions import db
from consult.orgs.models import Organisation
from consult.responses.models import Publication


class DraftKind(enum.StrEnum):
    DOCUMENT = "document"   # written in the platform: title, introduction, body as paragraphs
    STRATEGY = "strategy"   # the consultation's strategy draft; its paragraphs come from the strategy

    @property
    def label(self) -> str:
        return str(DRAFT_KIND_LABELS[self])


DRAFT_KIND_LABELS = {
    DraftKind.DOCUMENT: _l("Document"),
    DraftKind.STRATEGY: _l("Strategy draft"),
}


class Draft(db.Model):
    """A draft the team opens for comment from ``opens_at`` to ``closes_at`` (stored UTC)."""

    __tablename__ = "drafts"
    # One strategy draft per consultation (a double click makes no second one).
    __table_args__ = (Index("uq_drafts_strategy", "consultation_id", unique=True,
                            sqlite_where=sql_text("kind = 'strategy'"), postgresql_where=sql_text("kind = 'strategy'")),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    kind: Mapped[DraftKind] = mapped_column(str_enum(DraftKind), default=DraftKind.DOCUMENT)
    title: Mapped[str] = mapped_column(String(200))
    introduction: Mapped[str] = mapped_column(Text, default="")
    # The body of a platform document: paragraphs separated by a blank line, "## " starts a section.
    body: Mapped[str] = mapped_column(Text, default="")
    audience: Mapped[ParticipantAudience] = mapped_column(str_enum(ParticipantAudience), default=ParticipantAudience.BOTH)
    # None until the team opens the draft for comment.
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    consultation: Mapped[Consultation] = relationship()
    created_by: Mapped[User | None] = relationship()
    paragraphs: Mapped[list[DraftParagraph]] = relationship(
        back_populates="draft", cascade="all, delete-orphan", order_by="DraftParagraph.position, DraftParagraph.id")

    @property
    def scheduled(self) -> bool:
        return self.opens_at is not None and self.closes_at is not None

    def is_open(self, now: datetime | None = None) -> bool:
        """Within the comment period (server clock)."""
        now = now or utcnow()
        return self.scheduled and self.opens_at <= now < self.closes_at

    def is_closed(self, now: datetime | None = None) -> bool:
        """The comment period has ended."""
        now = now or utcnow()
        return self.scheduled and now >= self.closes_at

    @property
    def current_paragraphs(self) -> list[DraftParagraph]:
        return [p for p in self.paragraphs if p.removed_at is None]


class DraftParagraph(db.Model):
    """A numbered paragraph. ``key`` identifies it across revisions (given once, never reused); a
    revision's paragraphs are matched to it by text within its ``part`` (a whole document: ""; the
    strategy: part and field). A paragraph that a revision drops is marked removed, never deleted,
    so the comments on it stay anchored."""

    __tablename__ = "draft_paragraphs"
    __table_args__ = (UniqueConstraint("draft_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    draft_id: Mapped[int] = mapped_column(ForeignKey("drafts.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80))
    part: Mapped[str] = mapped_column(String(80), default="")
    position: Mapped[int] = mapped_column(default=0)
    number: Mapped[str] = mapped_column(String(20))       # as shown: "3" or "2.1"
    section: Mapped[str] = mapped_column(String(200), default="")  # the heading or part it falls under
    text: Mapped[str] = mapped_column(Text)
    changed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    draft: Mapped[Draft] = relationship(back_populates="paragraphs")


class DraftComment(db.Model):
    """An organisation's comment on one paragraph, with the paragraph's text at the time (anchored).
    Organisation-scoped: loaded only through consult.drafts.permissions helpers; what others see
    is decided by consult.disclosure.comments."""

    __tablename__ = "draft_comments"
    __table_args__ = (Index("ix_draft_comments_paragraph_org", "paragraph_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    paragraph_id: Mapped[int] = mapped_column(ForeignKey("draft_paragraphs.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    confidential: Mapped[bool] = mapped_column(default=False)
    publication: Mapped[Publication] = mapped_column(str_enum(Publication), default=Publication.NAMED)
    anchored_text: Mapped[str] = mapped_column(Text)
    # The paragraph's number when the comment was written (or last changed): what the commenter saw.
    anchored_number: Mapped[str] = mapped_column(String(20), default="")
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The team's answer; ``reply_version`` rises with every save of it (the reply form's conflict check).
    disposition: Mapped[Disposition | None] = mapped_column(str_enum(Disposition))
    reply: Mapped[str] = mapped_column(Text, default="")
    reply_version: Mapped[int] = mapped_column(default=1)
    replied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    replied_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    paragraph: Mapped[DraftParagraph] = relationship()
    organisation: Mapped[Organisation] = relationship()
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    replied_by: Mapped[User | None] = relationship(foreign_keys=[replied_by_id])

    @property
    def withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def paragraph_changed(self) -> bool:
        """The paragraph was revised (or removed) since the comment was written or last edited."""
        return self.paragraph.removed_at is not None or self.paragraph.text != self.anchored_text

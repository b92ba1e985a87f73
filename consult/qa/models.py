"""A question to the project team and, once published, a numbered item everyone sees."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.consultations.models import Consultation, Lot, Theme
from consult.core.db import str_enum
from consult.core.time import UTCDateTime, utcnow
from consult.extensions import db
from consult.orgs.models import Organisation


class QaStatus(enum.StrEnum):
    ASKED = "asked"          # waiting for the team
    DRAFT = "draft"          # the team is writing the answer
    PUBLISHED = "published"  # numbered, visible to every participant at the same moment


class QaItem(db.Model):
    """One question and answer. The asker (organisation and person) is never published."""

    __tablename__ = "qa_items"
    __table_args__ = (UniqueConstraint("consultation_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("themes.id", ondelete="SET NULL"))
    # The lot the item is about (a lot with items cannot be removed); none: the whole consultation.
    lot_id: Mapped[int | None] = mapped_column(ForeignKey("lots.id"), index=True)
    status: Mapped[QaStatus] = mapped_column(str_enum(QaStatus), default=QaStatus.ASKED)
    # As asked (private between the asker's organisation and the team).
    asked_text: Mapped[str | None] = mapped_column(Text)
    asked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    asker_organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id", ondelete="SET NULL"))
    asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # As published (the team may rephrase to remove identifying details).
    question: Mapped[str] = mapped_column(Text, default="")
    answer: Mapped[str] = mapped_column(Text, default="")
    number: Mapped[int | None]
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    origin: Mapped[str] = mapped_column(String(20), default="question")  # question, initiative, post
    source_post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    consultation: Mapped[Consultation] = relationship()
    theme: Mapped[Theme | None] = relationship()
    lot: Mapped[Lot | None] = relationship(lazy="joined")
    asked_by: Mapped[User | None] = relationship(foreign_keys=[asked_by_id])
    asker_organisation: Mapped[Organisation | None] = relationship()

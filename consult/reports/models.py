"""The consultation report's own texts; everything else in it is generated from the data."""
from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.consultations.models import Consultation
from consult.core.db import str_enum
from consult.core.storage import StoredContentMixin
from consult.core.time import UTCDateTime, utcnow
from consult.extensions import db


class Report(db.Model):
    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), unique=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    introduction: Mapped[str] = mapped_column(Text, default="")
    next_steps: Mapped[str] = mapped_column(Text, default="")
    # Raised on every publication; a published report says "definitief", a draft "concept".
    version: Mapped[int] = mapped_column(default=0)
    # Raised with every save of the texts, so two team members editing at once do not overwrite
    # each other (the publication version above counts publications only).
    texts_version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    # The published version exactly as published (per language), so its address always shows it.
    published: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The published version's report per lot, exactly as published: lot id (as text) -> language -> model.
    published_lots: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    def published_model(self, language: str, lot_key: int = 0) -> dict[str, Any] | None:
        """The published model in ``language``: of the whole consultation (``lot_key`` 0) or of one lot."""
        if lot_key:
            return (self.published_lots or {}).get(str(lot_key), {}).get(language)
        return (self.published or {}).get(language)

    consultation: Mapped[Consultation] = relationship()


class ReportModel(db.Model):
    """The team's live report as last built, per language, with the stamp of the code and the
    data it was built from (consult.core.datastamp): shown again while the stamp is the same,
    built anew when anything it is built from has changed."""

    __tablename__ = "report_models"
    __table_args__ = (UniqueConstraint("consultation_id", "language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    language: Mapped[str] = mapped_column(String(5))
    stamp: Mapped[str] = mapped_column(String(100))
    model: Mapped[dict[str, Any]] = mapped_column(JSON)
    built_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ExportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ExportJob(StoredContentMixin, db.Model):
    """An answer export prepared in the background; only its requester downloads it. The stored
    file's columns are empty until the job is done."""

    __tablename__ = "export_jobs"
    stored_file_optional = True

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    variant: Mapped[str] = mapped_column(String(10))
    fmt: Mapped[str] = mapped_column(String(10))
    status: Mapped[ExportStatus] = mapped_column(str_enum(ExportStatus, length=10), default=ExportStatus.QUEUED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ReportFile(StoredContentMixin, db.Model):
    """One format of one published report version in one language: rendered once, in the
    background, and stored beside the uploads. A published version never changes, so every
    download of it sends this file; nothing is rendered while someone waits. The stored file's
    columns are empty until it is done; its SHA-256 is the download's ETag."""

    __tablename__ = "report_files"
    stored_file_optional = True
    __table_args__ = (UniqueConstraint("report_id", "version", "language", "fmt", "lot_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    version: Mapped[int]
    language: Mapped[str] = mapped_column(String(5))
    fmt: Mapped[str] = mapped_column(String(10))
    # 0: the report of the whole consultation; else the id of the lot whose report this is (no foreign
    # key: a published version keeps its lots' reports, as its snapshot does).
    lot_key: Mapped[int] = mapped_column(default=0, server_default="0")
    status: Mapped[str] = mapped_column(String(10), default="queued")  # queued, running, done, failed
    # Raised by every worker that takes the file on, so only the latest one may finish it.
    attempt: Mapped[int] = mapped_column(default=0)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

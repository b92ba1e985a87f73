"""A person's request to delete their account, decided by an administrator."""
from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.core.db import str_enum
from consult.core.time import UTCDateTime, utcnow
from consult.extensions import db


class ErasureStatus(enum.StrEnum):
    PENDING = "pending"
    DONE = "done"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class ErasureRequest(db.Model):
    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[ErasureStatus] = mapped_column(str_enum(ErasureStatus), default=ErasureStatus.PENDING)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

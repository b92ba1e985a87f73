"""A trajectory: consultations linked as the rounds of one process (a sounding-board round, the
open market consultation, a round on the draft requirements, development tables), and the
requests of organisations to join an invitation-only round."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.consultations.models import Consultation
from consult.core.db import str_enum
from consult.core.time import UTCDateTime, utcnow
from consult.extensions import db
from consult.orgs.models import Organisation


class Trajectory(db.Model):
    __tablename__ = "trajectories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    rounds: Mapped[list[TrajectoryRound]] = relationship(
        back_populates="trajectory", cascade="all, delete-orphan",
        order_by="TrajectoryRound.position, TrajectoryRound.id")

    def __repr__(self) -> str:
        return f"<Trajectory {self.slug}>"


class TrajectoryRound(db.Model):
    """One consultation as a round of a trajectory; a consultation is a round of at most one."""

    __tablename__ = "trajectory_rounds"
    __table_args__ = (UniqueConstraint("consultation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    trajectory_id: Mapped[int] = mapped_column(ForeignKey("trajectories.id", ondelete="CASCADE"), index=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"))
    label: Mapped[str] = mapped_column(String(200), default="")  # e.g. "Verkenning"
    position: Mapped[int] = mapped_column(default=0)

    trajectory: Mapped[Trajectory] = relationship(back_populates="rounds")
    consultation: Mapped[Consultation] = relationship()

    @property
    def number(self) -> int:
        """The round's number in its trajectory, counted from 1."""
        return self.trajectory.rounds.index(self) + 1


class JoinStatus(enum.StrEnum):
    PENDING = "pending"
    GRANTED = "granted"
    DECLINED = "declined"

    @property
    def label(self) -> str:
        return str(JOIN_STATUS_LABELS[self])


JOIN_STATUS_LABELS = {JoinStatus.PENDING: _l("Waiting for the project team"),
                      JoinStatus.GRANTED: _l("Granted"), JoinStatus.DECLINED: _l("Declined")}


class JoinRequest(db.Model):
    """An organisation asks to be invited to an invitation-only consultation. One row per
    organisation and consultation: asking again after a decline reopens it. ``version`` rises with
    every change, so of two team members handling it at once only one decides."""

    __tablename__ = "join_requests"
    __table_args__ = (UniqueConstraint("consultation_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    consultation_id: Mapped[int] = mapped_column(ForeignKey("consultations.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[JoinStatus] = mapped_column(str_enum(JoinStatus), default=JoinStatus.PENDING)
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(default=1)

    consultation: Mapped[Consultation] = relationship()
    organisation: Mapped[Organisation] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])

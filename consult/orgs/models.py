"""Organisations (municipalities, providers, councils), memberships and invitations."""
from __future__ import annotations

import enum
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from consult.auth.models import User
from consult.core.db import str_enum
from consult.core.time import UTCDateTime, utcnow
from consult.extensions import db


class OrgKind(enum.StrEnum):
    MUNICIPALITY = "municipality"
    PROVIDER = "provider"
    COUNCIL = "council"
    OTHER = "other"

    @property
    def label(self) -> str:
        return str(ORG_KIND_LABELS[self])


ORG_KIND_LABELS = {
    OrgKind.MUNICIPALITY: _l("Municipality"),
    OrgKind.PROVIDER: _l("Care provider"),
    OrgKind.COUNCIL: _l("Advisory council"),
    OrgKind.OTHER: _l("Other organisation"),
}


class MemberRole(enum.StrEnum):
    MEMBER = "member"
    CONTACT = "contact"

    @property
    def label(self) -> str:
        return str(MEMBER_ROLE_LABELS[self])


MEMBER_ROLE_LABELS = {
    MemberRole.MEMBER: _l("Member"),
    MemberRole.CONTACT: _l("Contact person"),
}


class Organisation(db.Model):
    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[OrgKind] = mapped_column(str_enum(OrgKind))
    name: Mapped[str] = mapped_column(String(200))
    kvk_number: Mapped[str | None] = mapped_column(String(8), unique=True)
    # When the KvK number was proven by an eHerkenning login for it; cleared when the number changes.
    kvk_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    website: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organisation", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name}>"


class Membership(db.Model):
    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[MemberRole] = mapped_column(str_enum(MemberRole), default=MemberRole.MEMBER)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    # Joined: nearly every request of a logged-in person looks at their memberships' organisations.
    organisation: Mapped[Organisation] = relationship(back_populates="memberships", lazy="joined")


class Invitation(db.Model):
    """An admin's invitation of a person (by e-mail) into an organisation with a role."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    organisation_id: Mapped[int] = mapped_column(
        ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    role: Mapped[MemberRole] = mapped_column(str_enum(MemberRole))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    organisation: Mapped[Organisation] = relationship()
    invited_by: Mapped[User | None] = relationship(foreign_keys=[invited_by_id])

"""Users, single-use account tokens and login attempts."""
from __future__ import annotations

import enum
import hashlib
import hmac
import secrets
from datetime import datetime
from typing import TYPE_CHECKING

from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, query_expression, relationship, validates

from consult.core.addresses import normalise_email
from consult.core.db import str_enum
from consult.core.time import UTCDateTime, utcnow
from consult.extensions import db

if TYPE_CHECKING:
    from consult.consultations.models import TeamMember
    from consult.orgs.models import Membership


def new_session_token() -> str:
    return secrets.token_urlsafe(32)


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    _name: Mapped[str] = mapped_column("name", String(200))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(5), default="nl")
    active: Mapped[bool] = mapped_column(default=True)
    is_admin: Mapped[bool] = mapped_column(default=False)
    email_verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Rotated on logout, password change and deactivation: every copy of an older
    # session cookie stops working at once.
    session_token: Mapped[str] = mapped_column(String(64), default=new_session_token)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Two-step login (TOTP): the shared secret, when it was switched on, and the last time
    # step accepted, so a code can be used only once.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    totp_last_counter: Mapped[int | None] = mapped_column()
    # Failed passwords and codes before this moment no longer count towards the limits
    # (a completed password reset or a correct two-step code clears them).
    failures_cleared_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When the holder was last told by e-mail that their account is being guessed at.
    guessing_warned_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the person's data was erased; the name then reads "deleted user".
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    # Read only: the places on consultation teams (consultations owns and writes them); two-step
    # login is required of every team member.
    team_places: Mapped[list[TeamMember]] = relationship(viewonly=True)
    # Whether the person has a place on any team, where the session's user loader asked for it in
    # the same query as the user (``with_expression``); None when it was not asked for.
    on_a_team: Mapped[bool | None] = query_expression()

    @hybrid_property
    def name(self) -> str:
        if self.erased_at is not None:
            return str(_l("Deleted user"))
        return self._name

    @name.inplace.setter
    def _set_name(self, value: str) -> None:
        self._name = value

    @name.inplace.expression
    @classmethod
    def _name_expression(cls):
        return cls._name

    @validates("email")
    def _normalise_email(self, _key: str, value: str) -> str:
        # Stored lower-case, so the unique constraint is case-insensitive.
        return normalise_email(value)

    def get_id(self) -> str:
        return f"{self.id}:{self.session_token}"

    @property
    def two_factor_enabled(self) -> bool:
        return self.totp_enabled_at is not None and self.totp_secret is not None

    @property
    def is_active(self) -> bool:
        return self.active and self.email_verified_at is not None

    def session_token_matches(self, token: str) -> bool:
        return hmac.compare_digest(self.session_token, token)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class TokenPurpose(enum.StrEnum):
    RESET = "reset"
    VERIFY = "verify"


def hash_token(raw: str) -> str:
    """Only a hash of a token is stored, so a database leak reveals no working link."""
    return hashlib.sha256(raw.encode()).hexdigest()


class AccountToken(db.Model):
    """A single-use token sent by e-mail (password reset, e-mail verification)."""

    __tablename__ = "account_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[TokenPurpose] = mapped_column(str_enum(TokenPurpose))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()


class LoginAttempt(db.Model):
    """Every login attempt, so brute-force limits hold across all workers."""

    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_created", "email", "created_at"),
        Index("ix_login_attempts_ip_created", "ip", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254))
    ip: Mapped[str] = mapped_column(String(64))
    success: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class RecoveryCode(db.Model):
    """A single-use code for logging in without the authenticator app; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ExternalIdentity(db.Model):
    """A person's account at an identity provider (OpenID Connect), linked to their user.

    ``issuer`` and ``subject`` together name the person at the provider for good (the e-mail
    address may change there, these do not); the platform's ``provider`` name is part of the key,
    so two configured providers that share an issuer never find each other's people. ``last_sid``
    is the provider's session of the latest login, so a back-channel logout that names only the
    session finds the person.
    """

    __tablename__ = "external_identities"
    __table_args__ = (UniqueConstraint("provider", "issuer", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    provider: Mapped[str] = mapped_column(String(30))
    issuer: Mapped[str] = mapped_column(String(300))
    subject: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The assurance level of the latest login as the provider stated it (``acr``, e.g. eH3).
    assurance_level: Mapped[str | None] = mapped_column(String(200))
    last_sid: Mapped[str | None] = mapped_column(String(255), index=True)

    user: Mapped[User] = relationship()

"""Organisation services: registration of a provider, invitations, memberships."""
from __future__ import annotations

import secrets

from flask import current_app, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consult.audit.services import record_event
from consult.auth.models import User, hash_token, normalise_email
from consult.auth.passwords import hash_password
from consult.auth.services import send_verification
from consult.core.mail import send_template
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import Invitation, MemberRole, Membership, Organisation, OrgKind


class InvitationError(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def create_organisation(*, kind: OrgKind, name: str, kvk_number: str | None = None,
                        website: str | None = None, by: User | None) -> Organisation:
    org = Organisation(kind=kind, name=name.strip(), kvk_number=kvk_number or None,
                       website=website or None)
    db.session.add(org)
    db.session.flush()
    record_event("organisation_created", actor=by, obj=org, kind=kind.value)
    return org


def update_organisation(org: Organisation, *, name: str, kvk_number: str | None,
                        website: str | None, by: User) -> None:
    org.name = name.strip()
    if (kvk_number or None) != org.kvk_number:
        org.kvk_verified_at = None
    org.kvk_number = kvk_number or None
    org.website = website or None
    record_event("organisation_updated", actor=by, obj=org)


def confirm_kvk(org: Organisation, *, by: User) -> None:
    """The administrator confirms the organisation's KvK number (checked outside the platform), so
    that eHerkenning logins for that number may join it."""
    if org.kvk_number and org.kvk_verified_at is None:
        org.kvk_verified_at = utcnow()
        record_event("organisation_kvk_verified", actor=by, obj=org, kvk_number=org.kvk_number,
                     by_administrator=True)


def kvk_taken(kvk_number: str | None, *, exclude: Organisation | None = None) -> bool:
    if not kvk_number:
        return False
    query = select(Organisation.id).where(Organisation.kvk_number == kvk_number)
    if exclude is not None:
        query = query.where(Organisation.id != exclude.id)
    return db.session.scalar(query) is not None


def add_membership(user: User, org: Organisation, role: MemberRole, *, by: User | None) -> Membership:
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.organisation_id == org.id)
    ) if user.id and org.id else None
    if membership is None:
        membership = Membership(user=user, organisation=org, role=role)
        db.session.add(membership)
    else:
        membership.role = role
    db.session.flush()
    record_event("membership_added", actor=by, obj=membership, user_id=user.id,
                 organisation_id=org.id, role=role.value)
    return membership


def change_membership_role(membership: Membership, role: MemberRole, *, by: User) -> None:
    old = membership.role
    membership.role = role
    record_event("membership_role_changed", actor=by, obj=membership, old=old.value, new=role.value)


def remove_membership(membership: Membership, *, by: User) -> None:
    record_event("membership_removed", actor=by, obj=membership,
                 user_id=membership.user_id, organisation_id=membership.organisation_id)
    db.session.delete(membership)


def request_registration(*, org_name: str, kvk_number: str, website: str | None,
                         name: str, email: str, password: str, locale: str) -> User | None:
    """Register a provider, or tell the address by e-mail why not; one mail either way.

    The page answers the same in every case, so it never tells whether an e-mail address or
    a KvK number is known: an address with an account gets a mail to its holder (log in or
    choose a new password); for a KvK number already registered the address is told to ask
    the organisation's contact person for an invitation, without saying who that is. Every
    path hashes the password and renders one mail, so the time taken does not tell either.
    """
    password_hash = hash_password(password)
    email = normalise_email(email)
    existing = db.session.scalar(select(User).where(User.email == email))
    if existing is not None:
        send_template(existing.email, "registration_existing_account", locale=existing.locale,
                      user=existing, login_link=url_for("auth.login", _external=True),
                      reset_link=url_for("auth.forgot_password", _external=True))
        record_event("registration_refused", result="failure", reason="email_taken", email=email)
        return None
    if kvk_taken(kvk_number):
        send_template(email, "registration_existing_organisation", locale=locale, name=name.strip(),
                      org_name=org_name.strip(), kvk_number=kvk_number,
                      contact_email=current_app.config["CONTACT_EMAIL"])
        record_event("registration_refused", result="failure", reason="kvk_taken", email=email)
        return None
    return register_provider(org_name=org_name, kvk_number=kvk_number, website=website, name=name,
                             email=email, password_hash=password_hash, locale=locale)


def register_provider(*, org_name: str, kvk_number: str, website: str | None,
                      name: str, email: str, password_hash: str, locale: str) -> User:
    """A provider registers its organisation and its first user (the contact person).

    The account only works once the e-mail address has been verified.
    """
    user = User(email=normalise_email(email), name=name.strip(),
                password_hash=password_hash, locale=locale)
    db.session.add(user)
    org = create_organisation(kind=OrgKind.PROVIDER, name=org_name, kvk_number=kvk_number,
                              website=website, by=None)
    db.session.flush()
    add_membership(user, org, MemberRole.CONTACT, by=user)
    record_event("provider_registered", actor=user, obj=org)
    send_verification(user)
    return user


def invite(org: Organisation, email: str, role: MemberRole, *, by: User, locale: str) -> Invitation:
    """Invite a person into ``org``; the e-mail carries a single-use link valid for 7 days."""
    raw = secrets.token_urlsafe(32)
    now = utcnow()
    invitation = Invitation(
        email=normalise_email(email),
        organisation=org,
        role=role,
        token_hash=hash_token(raw),
        invited_by=by,
        created_at=now,
        expires_at=now + current_app.config["INVITATION_LIFETIME"],
    )
    db.session.add(invitation)
    db.session.flush()
    _send_invitation(invitation, raw, by=by, locale=locale)
    record_event("invitation_sent", actor=by, obj=invitation, email=invitation.email,
                 organisation_id=org.id, role=role.value)
    return invitation


def _send_invitation(invitation: Invitation, raw: str, *, by: User, locale: str) -> None:
    send_template(
        invitation.email,
        "invitation",
        locale=locale,
        organisation=invitation.organisation,
        inviter=by,
        link=url_for("orgs.accept_invitation", token=raw, _external=True),
    )


def pending_invitations(org: Organisation) -> list[Invitation]:
    """The organisation's invitations nobody has accepted yet (expired ones included, so they can
    be sent again), newest first."""
    return list(db.session.scalars(
        select(Invitation).where(Invitation.organisation_id == org.id, Invitation.accepted_at.is_(None))
        .options(selectinload(Invitation.invited_by)).order_by(Invitation.created_at.desc(), Invitation.id.desc())))


def pending_invitation(org: Organisation, invitation_id: int) -> Invitation | None:
    """One of the organisation's pending invitations, or None (another organisation's, accepted or gone)."""
    return db.session.scalar(select(Invitation).where(
        Invitation.id == invitation_id, Invitation.organisation_id == org.id, Invitation.accepted_at.is_(None)))


def resend_invitation(invitation: Invitation, *, by: User, locale: str) -> None:
    """Send a pending invitation again with a new link, valid for the full period from now; the
    link of the earlier mail stops working."""
    if invitation.accepted_at is not None:
        raise InvitationError("used")
    raw = secrets.token_urlsafe(32)
    invitation.token_hash = hash_token(raw)
    invitation.expires_at = utcnow() + current_app.config["INVITATION_LIFETIME"]
    _send_invitation(invitation, raw, by=by, locale=locale)
    record_event("invitation_resent", actor=by, obj=invitation, email=invitation.email,
                 organisation_id=invitation.organisation_id)


def withdraw_invitation(invitation: Invitation, *, by: User) -> None:
    """Withdraw a pending invitation: its link no longer works (it reads as unknown)."""
    if invitation.accepted_at is not None:
        raise InvitationError("used")
    record_event("invitation_withdrawn", actor=by, obj=invitation, email=invitation.email,
                 organisation_id=invitation.organisation_id)
    db.session.delete(invitation)


def load_invitation(raw: str) -> Invitation:
    invitation = db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_token(raw)))
    if invitation is None:
        raise InvitationError("unknown")
    if invitation.accepted_at is not None:
        raise InvitationError("used")
    if invitation.expires_at <= utcnow():
        raise InvitationError("expired")
    return invitation


def accept_invitation(invitation: Invitation, *, user: User | None, name: str | None = None,
                      password: str | None = None, locale: str = "nl") -> User:
    """Accept an invitation: a new person sets name and password; an existing user joins."""
    if user is None:
        user = User(email=invitation.email, name=(name or "").strip(),
                    password_hash=hash_password(password or ""), locale=locale,
                    email_verified_at=utcnow())  # the link itself proves the address
        db.session.add(user)
        db.session.flush()
    invitation.accepted_at = utcnow()
    invitation.accepted_by_id = user.id
    add_membership(user, invitation.organisation, invitation.role, by=user)
    record_event("invitation_accepted", actor=user, obj=invitation)
    return user

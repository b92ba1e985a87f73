"""Single sign-on over OpenID Connect: the municipality's identity provider and an eHerkenning broker.

Two providers can be configured (config.py, ``SSO_STAFF_*`` and ``SSO_EHERKENNING_*``):

* ``staff``: admins and the people of the municipality log in with their municipal account. The
  provider's group or role claim is mapped to the platform's roles: ``admin`` (``User.is_admin``)
  and ``member`` (a member of the municipality's organisation, from which admins place people on
  consultation teams). The provider is the source of those roles: every login sets ``is_admin``
  as the claim says, adds the membership when the claim gives it and removes it when the claim no
  longer does. Someone the claim gives no role is refused. An account is found by the provider's
  (provider, issuer, subject); the first time it is linked to the account the person is logged in
  with, linked by e-mail address only when the provider says the address is verified and the
  account is no member of a provider or council (else refused: log in with the password first and
  link from there), or made (created).
* ``eherkenning``: people of providers and councils log in for their organisation; the KvK number
  in the token names it, on every login. Only an organisation whose KvK number is verified (and
  that is a provider or council) is joined; a login below the minimum assurance level is refused.

Authlib validates the id token (signature against the provider's JWKS, issuer, audience, expiry,
nonce); the views turn every refusal into a page and an audit event. Services add and flush; the
request commits.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Any

from authlib.integrations.flask_client import OAuth
from flask import current_app
from flask_babel import gettext as _
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from consult.audit.services import record_event
from consult.auth.models import ExternalIdentity, User
from consult.auth.services import get_user_by_email
from consult.auth.session import SIGNED_ON
from consult.core.addresses import normalise_email
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import MemberRole, Organisation, OrgKind

PROVIDERS = ("staff", "eherkenning")
# What the session keeps of an SSO login: the provider, the person's (iss, sub) and the provider's
# session (sid), whether the provider asserted more than a password, the assurance level, and the
# id token only when it is short (``signed_on``): a cookie session holds about 4 KB.
SESSION_KEY = SIGNED_ON  # the session holds the sign-on under auth's key
# Longer id tokens (large group claims) are not kept: the logout then names the client instead.
MAX_SESSION_ID_TOKEN = 1500
# The kinds of organisation an eHerkenning login may join or register.
EHERKENNING_KINDS = (OrgKind.PROVIDER, OrgKind.COUNCIL)
BACKCHANNEL_EVENT = "http://schemas.openid.net/event/backchannel-logout"
# A logout token older than this is refused (it is sent the moment the person logs out).
LOGOUT_TOKEN_MAX_AGE = 300
PLATFORM_ROLES = ("admin", "member")
# eHerkenning assurance levels, in both spellings brokers use (eH3, urn:...:loa3).
LEVELS = {"eh1": 1.0, "eh2": 2.0, "eh2+": 2.5, "eh3": 3.0, "eh4": 4.0,
          "loa1": 1.0, "loa2": 2.0, "loa2plus": 2.5, "loa3": 3.0, "loa4": 4.0}
# From this level an eHerkenning means has two factors (eH2+ and up).
MULTI_FACTOR_LEVEL = 2.5


@dataclass(frozen=True)
class Provider:
    name: str
    discovery_url: str
    client_id: str
    client_secret: str | None
    scopes: str


def provider(name: str) -> Provider | None:
    """The configured provider ``name``, or None when it is not set up."""
    if name not in PROVIDERS:
        return None
    config = current_app.config
    prefix = f"SSO_{name.upper()}_"
    url, client_id = config.get(prefix + "DISCOVERY_URL"), config.get(prefix + "CLIENT_ID")
    if not url or not client_id:
        return None
    return Provider(name=name, discovery_url=url, client_id=client_id,
                    client_secret=config.get(prefix + "CLIENT_SECRET"),
                    scopes=config.get(prefix + "SCOPES") or "openid")


def configured_providers() -> list[str]:
    """The names of the providers that are set up, for the login page's buttons."""
    return [name for name in PROVIDERS if provider(name) is not None]


def oauth_client(config: Provider):
    """Authlib's client for ``config``, one per app and configuration (it caches the provider's
    metadata and keys)."""
    app = current_app._get_current_object()
    clients = app.extensions.setdefault("consult_sso", {})
    client = clients.get(config)
    if client is None:
        registry = OAuth()
        registry.app = app
        client = registry.register(
            config.name, client_id=config.client_id, client_secret=config.client_secret,
            server_metadata_url=config.discovery_url,
            client_kwargs={"scope": config.scopes, "code_challenge_method": "S256", "default_timeout": 10})
        clients[config] = client
    return client


class SsoRefused(Exception):
    """A login through a provider that the platform refuses; ``reason`` keys REFUSALS."""

    def __init__(self, reason: str, **detail: Any):
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


# What a person reads when a login through a provider is refused, and the status of the page.
REFUSALS = {
    "token": (400, lambda d: _("The answer of the identity provider could not be verified, so you have "
                               "not been logged in. Start the login again; if this keeps happening, "
                               "contact the administrator of the platform.")),
    "state": (400, lambda d: _("This login was already used, took too long or was started in another "
                               "browser. Start the login again.")),
    "denied": (403, lambda d: _("The login at the identity provider was cancelled or refused.")),
    "unavailable": (503, lambda d: _("The identity provider cannot be reached at the moment. Try again "
                                     "later, or log in with your e-mail address and password.")),
    "no_role": (403, lambda d: _("Your municipal account gives you no role on this platform. Ask the "
                                 "administrator of the platform for access.")),
    "no_email": (403, lambda d: _("The identity provider did not send your e-mail address, which the "
                                  "platform needs for your account. Contact the administrator of the "
                                  "platform.")),
    "setup": (403, lambda d: _("Logging in with a municipal account is not set up completely. Contact "
                               "the administrator of the platform.")),
    "inactive": (403, lambda d: _("This account has been switched off. Contact the administrator of the "
                                  "platform.")),
    "unverified": (403, lambda d: _("Confirm your e-mail address first with the link we sent you, then "
                                    "log in again.")),
    "assurance": (403, lambda d: _("You logged in with eHerkenning level %(level)s; this platform "
                                   "requires at least %(minimum)s. Log in with an eHerkenning means of "
                                   "that level or higher.", level=d.get("level") or "?",
                                   minimum=d.get("minimum"))),
    "no_kvk": (403, lambda d: _("The eHerkenning login did not say which organisation (KvK number) you "
                                "act for.")),
    "email_taken": (403, lambda d: _("There is already an account with the e-mail address from your "
                                     "eHerkenning login, and it is not linked to this organisation. Log "
                                     "in with that account, or ask your organisation's contact person "
                                     "for an invitation.")),
    "link_needed": (403, lambda d: _("There is already an account on this platform with the e-mail "
                                     "address of this login, and it cannot be linked automatically. Log "
                                     "in with that account's e-mail address and password first; then, "
                                     "while logged in, log in with this identity provider once to link "
                                     "the two. Or ask the administrator of the platform.")),
    "identity_taken": (403, lambda d: _("This account at the identity provider is already linked to "
                                        "another account on this platform. Log out and log in with the "
                                        "identity provider alone, or ask the administrator of the "
                                        "platform.")),
    "kvk_unverified": (403, lambda d: _("An organisation with KvK number %(kvk)s is registered on this "
                                        "platform, but its KvK number has not been verified. The "
                                        "administrator of the platform must confirm it before you can log "
                                        "in with eHerkenning for it. Contact the administrator.",
                                        kvk=d.get("kvk"))),
    "kvk_mismatch": (403, lambda d: _("You logged in with eHerkenning for KvK number %(kvk)s, but your "
                                      "account here is not linked to an organisation with that verified "
                                      "KvK number. Log in for your own organisation, or ask the contact "
                                      "person of the organisation for an invitation.", kvk=d.get("kvk"))),
    "kvk_taken": (409, lambda d: _("While you were filling in the form, an organisation with KvK number "
                                   "%(kvk)s was registered on this platform. Log in with eHerkenning "
                                   "again to join it.", kvk=d.get("kvk"))),
}


def refusal(reason: str, detail: dict) -> tuple[int, str]:
    status, message = REFUSALS[reason]
    return status, message(detail)


# --- identities -----------------------------------------------------------------------------

def find_identity(provider_name: str, issuer: str, subject: str) -> ExternalIdentity | None:
    return db.session.scalar(select(ExternalIdentity).where(
        ExternalIdentity.provider == provider_name, ExternalIdentity.issuer == issuer,
        ExternalIdentity.subject == subject))


def signed_on(provider_name: str, claims: dict, id_token: str | None, *, mfa: bool,
              assurance: str | None) -> dict:
    """What the session keeps of a login through ``provider_name``: no more than the logout and the
    two-step login need (the id token only when it is short enough for a cookie)."""
    kept = {"provider": provider_name, "iss": claims.get("iss"), "sub": claims.get("sub"),
            "sid": claims.get("sid"), "mfa": mfa, "assurance": assurance}
    if short_id_token(id_token):
        kept["id_token"] = id_token
    return kept


def short_id_token(id_token: str | None) -> str | None:
    """The id token when it is short enough to keep in the (cookie) session, else None."""
    return id_token if id_token and len(id_token) <= MAX_SESSION_ID_TOKEN else None


def email_verified(claims: dict) -> bool:
    """Whether the provider says the address in the token is verified (the boolean, nothing else)."""
    return claims.get("email_verified") is True


def link_identity(user: User, provider_name: str, claims: dict, *, assurance: str | None) -> ExternalIdentity:
    """Link the provider's account named by ``claims`` (iss, sub) to ``user``."""
    identity = ExternalIdentity(user=user, provider=provider_name, issuer=claims["iss"],
                                subject=claims["sub"], assurance_level=assurance)
    db.session.add(identity)
    db.session.flush()
    record_event("sso_account_linked", actor=user, obj=user, provider=provider_name,
                 issuer=claims["iss"])
    return identity


def note_login(identity: ExternalIdentity, claims: dict, *, assurance: str | None) -> None:
    identity.last_login_at = utcnow()
    identity.assurance_level = assurance
    identity.last_sid = claims.get("sid")


def _create_user(email: str, name: str, *, verified: bool, provider_name: str) -> User:
    user = User(email=email, name=name, password_hash=None,
                email_verified_at=utcnow() if verified else None)
    db.session.add(user)
    db.session.flush()
    record_event("sso_account_created", actor=user, obj=user, provider=provider_name)
    return user


def _display_name(claims: dict, email: str) -> str:
    name = claims.get("name") or " ".join(
        part for part in (claims.get("given_name"), claims.get("family_name")) if part)
    return (name or email.split("@")[0])[:200]


def _values(claim: Any) -> list[str]:
    """A claim that may be a list or a space- or comma-separated string, as a list of strings."""
    if claim is None:
        return []
    if isinstance(claim, list | tuple):
        return [str(value) for value in claim]
    return [value for value in re.split(r"[\s,]+", str(claim)) if value]


# --- staff: the municipality's identity provider ----------------------------------------------

def role_map() -> dict[str, str]:
    """SSO_STAFF_ROLE_MAP ("claim value=role, ...") as a dict; unknown roles are left out."""
    mapping = {}
    for pair in _values(current_app.config.get("SSO_STAFF_ROLE_MAP")):
        value, _sep, role = pair.partition("=")
        if role.strip() in PLATFORM_ROLES:
            mapping[value.strip()] = role.strip()
    return mapping


def mapped_roles(claims: dict) -> set[str]:
    """The platform roles the provider's role claim gives."""
    mapping = role_map()
    claim = claims.get(current_app.config.get("SSO_STAFF_ROLE_CLAIM") or "roles")
    return {mapping[value] for value in _values(claim) if value in mapping}


def asserted_multi_factor(claims: dict) -> bool:
    """Whether the staff provider says the person logged in with more than a password."""
    config = current_app.config
    amr = set(_values(claims.get("amr")))
    if amr & set(_values(config.get("SSO_STAFF_MFA_AMR"))):
        return True
    return bool(claims.get("acr")) and str(claims["acr"]) in _values(config.get("SSO_STAFF_MFA_ACR"))


def staff_organisation() -> Organisation | None:
    """The municipality's organisation: SSO_STAFF_ORGANISATION_ID, or the only municipality."""
    org_id = current_app.config.get("SSO_STAFF_ORGANISATION_ID")
    if org_id:
        return db.session.get(Organisation, org_id)
    found = db.session.scalars(select(Organisation).where(Organisation.kind == OrgKind.MUNICIPALITY)
                               .limit(2)).all()
    return found[0] if len(found) == 1 else None


def is_staff(user: User) -> bool:
    """Admins and members of a municipality: who must log in through the staff provider when
    STAFF_PASSWORD_LOGIN is off."""
    return user.is_admin or any(m.organisation.kind == OrgKind.MUNICIPALITY for m in user.memberships)


def _outside_municipality(user: User) -> bool:
    """Whether ``user`` is a member of an organisation that is not a municipality (a provider, a
    council): such an account is never linked to a municipal login by its address alone."""
    return any(m.organisation.kind != OrgKind.MUNICIPALITY for m in user.memberships)


def _refuse_link(user: User, reason: str) -> None:
    """Refuse to link an existing account by its address alone (the view audits the refusal)."""
    raise SsoRefused("link_needed", user_id=user.id, why=reason)


def login_staff(claims: dict, *, link_to: User | None = None) -> User:
    """The account of the person the staff provider vouches for: found, linked or created, with
    the roles the provider gives. ``link_to``: the account the person is logged in with, which a
    new identity is linked to (logging in there proves the account is theirs). Raises SsoRefused.

    An existing account is linked by e-mail address only when the provider says the address is
    verified and the account is no member of a provider's or council's organisation: an address
    alone does not prove that the account is the person's."""
    roles = mapped_roles(claims)
    if not roles:
        raise SsoRefused("no_role")
    org = staff_organisation()
    if "member" in roles and org is None:
        raise SsoRefused("setup")
    identity = find_identity("staff", claims["iss"], claims["sub"])
    if identity is not None:
        user = identity.user
        if link_to is not None and user.id != link_to.id:
            raise SsoRefused("identity_taken")
    elif link_to is not None:
        user = link_to
        identity = link_identity(user, "staff", claims, assurance=claims.get("acr"))
    else:
        email = claims.get("email")
        if not email:
            raise SsoRefused("no_email")
        email = normalise_email(str(email))
        user = get_user_by_email(email)
        if user is None:
            # The municipality's provider vouches for the addresses of its accounts.
            user = _create_user(email, _display_name(claims, email), verified=True, provider_name="staff")
        elif not email_verified(claims):
            _refuse_link(user, "email_not_verified")
        elif _outside_municipality(user):
            _refuse_link(user, "organisation_account")
        identity = link_identity(user, "staff", claims, assurance=claims.get("acr"))
    if not user.active or user.erased_at is not None:
        raise SsoRefused("inactive")
    # The provider vouches for the address when it says so and it is the account's address.
    if (user.email_verified_at is None and email_verified(claims) and claims.get("email")
            and normalise_email(str(claims["email"])) == user.email):
        user.email_verified_at = utcnow()
    if user.is_admin != ("admin" in roles):
        user.is_admin = "admin" in roles
        record_event("admin_role_changed", obj=user, is_admin=user.is_admin, provider="staff")
    if org is not None:
        _follow_member_role(user, org, member="member" in roles)
    note_login(identity, claims, assurance=claims.get("acr"))
    return user


def _follow_member_role(user: User, org: Organisation, *, member: bool) -> None:
    """The membership of the municipality's organisation as the provider's claim says: added when it
    gives "member", removed when it no longer does."""
    from consult.orgs.services import add_membership, remove_membership

    membership = next((m for m in user.memberships if m.organisation_id == org.id), None)
    if member and membership is None:
        add_membership(user, org, MemberRole.MEMBER, by=None)
    elif not member and membership is not None:
        remove_membership(membership, by=None)
        db.session.flush()
        db.session.expire(user, ["memberships"])


# --- eHerkenning --------------------------------------------------------------------------

def level_rank(level: Any) -> float:
    """The rank of an eHerkenning level ("eH3", "urn:etoegang:core:assurance-class:loa3"); 0 if unknown."""
    if not level:
        return 0.0
    return LEVELS.get(str(level).rsplit(":", 1)[-1].strip().lower(), 0.0)


def assurance_of(claims: dict) -> str | None:
    value = claims.get(current_app.config.get("SSO_EHERKENNING_ASSURANCE_CLAIM") or "acr")
    return str(value) if value else None


def check_assurance(claims: dict) -> str | None:
    """The login's assurance level; raises SsoRefused below the minimum."""
    level = assurance_of(claims)
    minimum = current_app.config.get("SSO_EHERKENNING_MIN_LEVEL") or "eH3"
    if level_rank(level) < level_rank(minimum):
        raise SsoRefused("assurance", level=level, minimum=minimum)
    return level


def kvk_of(claims: dict) -> str:
    raw = claims.get(current_app.config.get("SSO_EHERKENNING_KVK_CLAIM") or "kvk")
    digits = re.sub(r"\D", "", str(raw or ""))
    if len(digits) != 8:
        raise SsoRefused("no_kvk")
    return digits


def organisation_by_kvk(kvk: str) -> Organisation | None:
    return db.session.scalar(select(Organisation).where(Organisation.kvk_number == kvk))


def mark_kvk_verified(org: Organisation, *, by: User | None) -> None:
    if org.kvk_verified_at is None:
        org.kvk_verified_at = utcnow()
        record_event("organisation_kvk_verified", actor=by, obj=org, provider="eherkenning")


@dataclass
class EherkenningOutcome:
    """A user to log in, or what the person must still fill in (``pending``)."""

    user: User | None = None
    pending: dict | None = None


def _verified_for(org: Organisation | None) -> bool:
    """Whether an eHerkenning login may join ``org``: a provider or council whose KvK number is
    verified (by an earlier eHerkenning registration, or confirmed by the administrator)."""
    return org is not None and org.kvk_verified_at is not None and org.kind in EHERKENNING_KINDS


def _acts_for(user: User, kvk: str) -> bool:
    """Whether ``user`` is a member of a verified organisation with KvK number ``kvk``."""
    return any(m.organisation.kvk_number == kvk and _verified_for(m.organisation) for m in user.memberships)


def _joinable_organisation(kvk: str) -> Organisation | None:
    """The organisation with KvK number ``kvk`` for an eHerkenning login, or None when there is none.
    Refused (audited by the view) when it holds the number without verification, or is of another
    kind: whoever registered it never proved the number, so the login does not join it, and does not
    verify it either."""
    org = organisation_by_kvk(kvk)
    if org is not None and not _verified_for(org):
        raise SsoRefused("kvk_unverified", kvk=kvk, organisation_id=org.id, kind=org.kind.value)
    return org


def login_eherkenning(claims: dict, *, link_to: User | None = None) -> EherkenningOutcome:
    """Log in the person the broker vouches for, link them to the organisation with the KvK number
    of the token, or say what the person must fill in first. Raises SsoRefused.

    Every login names the organisation (KvK number): a known (provider, issuer, subject) logs in only
    when its account is a member of that organisation, verified. Otherwise, for a verified
    organisation with the token's KvK number, a token with a verified e-mail address makes the
    person an ordinary member: eHerkenning proves they may act for the organisation, and its contact
    persons keep managing roles. An existing account with that address is linked only when the
    address is verified, the account already belongs to the organisation and is not staff;
    ``link_to`` (the account the person is logged in with) is linked when it belongs to the
    organisation. Without a verified address, or without an organisation, the person completes
    their details (and, for a new organisation, its registration with the KvK number verified).
    """
    level = check_assurance(claims)
    kvk = kvk_of(claims)
    identity = find_identity("eherkenning", claims["iss"], claims["sub"])
    if identity is not None:
        user = identity.user
        if link_to is not None and user.id != link_to.id:
            raise SsoRefused("identity_taken")
        if not user.active or user.erased_at is not None:
            raise SsoRefused("inactive")
        if not _acts_for(user, kvk):
            raise SsoRefused("kvk_mismatch", kvk=kvk, user_id=user.id)
        note_login(identity, claims, assurance=level)
        return EherkenningOutcome(user=user)
    org = _joinable_organisation(kvk)
    if link_to is not None:
        if org is None or not _acts_for(link_to, kvk):
            raise SsoRefused("kvk_mismatch", kvk=kvk, user_id=link_to.id)
        identity = link_identity(link_to, "eherkenning", claims, assurance=level)
        note_login(identity, claims, assurance=level)
        return EherkenningOutcome(user=link_to)
    email = normalise_email(str(claims["email"])) if claims.get("email") else None
    if org is not None and email:
        user = get_user_by_email(email)
        if user is not None:
            if not any(m.organisation_id == org.id for m in user.memberships):
                raise SsoRefused("email_taken")
            if not email_verified(claims):
                _refuse_link(user, "email_not_verified")
            if is_staff(user):
                _refuse_link(user, "staff_account")
        elif email_verified(claims):
            from consult.orgs.services import add_membership

            user = _create_user(email, _display_name(claims, email), verified=True,
                                provider_name="eherkenning")
            add_membership(user, org, MemberRole.MEMBER, by=None)
        if user is not None:
            identity = link_identity(user, "eherkenning", claims, assurance=level)
            note_login(identity, claims, assurance=level)
            return EherkenningOutcome(user=user)
    return EherkenningOutcome(pending={
        "iss": claims["iss"], "sub": claims["sub"], "sid": claims.get("sid"), "kvk": kvk,
        "level": level, "email": email, "email_verified": email_verified(claims),
        "name": claims.get("name") or "", "at": int(time.time()),
        "organisation_id": org.id if org is not None else None,
    })


def complete_eherkenning(pending: dict, *, name: str, email: str, org_name: str | None,
                         website: str | None, locale: str, kind: OrgKind = OrgKind.PROVIDER) -> User:
    """Make the account of a person who logged in with eHerkenning for an organisation they are not
    yet linked to: a member of the existing (verified) organisation, or the contact person of a new
    provider or council registered with the verified KvK number. The address is verified already
    when it is the one the broker sent as verified; otherwise a confirmation link is mailed.

    What held at the login is checked again (the form may have taken a while): the organisation is
    still verified, or the KvK number is still free. Raises SsoRefused."""
    from consult.auth.services import send_verification
    from consult.orgs.services import add_membership, create_organisation, kvk_taken

    if kind not in EHERKENNING_KINDS:
        kind = OrgKind.PROVIDER
    kvk = pending["kvk"]
    if pending.get("organisation_id"):
        org = db.session.get(Organisation, pending["organisation_id"])
        if org is None or org.kvk_number != kvk or not _verified_for(org):
            raise SsoRefused("kvk_unverified", kvk=kvk, organisation_id=pending["organisation_id"])
    else:
        org = None
        if kvk_taken(kvk):
            raise SsoRefused("kvk_taken", kvk=kvk)
    if find_identity("eherkenning", pending["iss"], pending["sub"]) is not None:
        raise SsoRefused("identity_taken")
    email = normalise_email(email)
    verified = email == pending.get("email") and pending.get("email_verified") is True
    try:
        with db.session.begin_nested():
            user = User(email=email, name=name.strip(), password_hash=None, locale=locale,
                        email_verified_at=utcnow() if verified else None)
            db.session.add(user)
            db.session.flush()
            if org is None:
                org = create_organisation(kind=kind, name=org_name or "", kvk_number=kvk,
                                          website=website, by=user)
                add_membership(user, org, MemberRole.CONTACT, by=user)
                mark_kvk_verified(org, by=user)
            else:
                add_membership(user, org, MemberRole.MEMBER, by=user)
    except IntegrityError as error:
        # Someone took the KvK number (or the address) in the meantime.
        raise SsoRefused("kvk_taken", kvk=kvk, error=type(error).__name__) from error
    record_event("sso_account_created", actor=user, obj=user, provider="eherkenning")
    if pending.get("organisation_id") is None:
        record_event("provider_registered", actor=user, obj=org, provider="eherkenning", kind=kind.value)
    identity = link_identity(user, "eherkenning", pending, assurance=pending.get("level"))
    note_login(identity, pending, assurance=pending.get("level"))
    if user.email_verified_at is None:
        send_verification(user)
    return user


# --- back-channel logout ----------------------------------------------------------------------

class LogoutTokenError(Exception):
    """The logout token is not one the provider signed for this platform, now."""


def validate_logout_token(config: Provider, raw: str) -> dict:
    """The claims of a back-channel logout token, after checking it as OpenID Connect Back-Channel
    Logout 1.0 says: signature (provider's JWKS), iss, aud, iat (recent), the logout event, sub or
    sid, and no nonce."""
    if not raw:
        raise LogoutTokenError("missing")
    client = oauth_client(config)
    metadata = client.load_server_metadata()
    algorithms = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    try:
        try:
            token = jwt.decode(raw, KeySet.import_key_set(client.fetch_jwk_set()), algorithms=algorithms)
        except InvalidKeyIdError:
            token = jwt.decode(raw, KeySet.import_key_set(client.fetch_jwk_set(force=True)),
                               algorithms=algorithms)
        jwt.JWTClaimsRegistry(
            leeway=60, iss={"essential": True, "value": metadata.get("issuer")},
            aud={"essential": True, "value": config.client_id}, iat={"essential": True},
        ).validate(token.claims)
    except (JoseError, ValueError) as error:
        raise LogoutTokenError(type(error).__name__) from error
    claims = token.claims
    events = claims.get("events")
    if not isinstance(events, dict) or BACKCHANNEL_EVENT not in events:
        raise LogoutTokenError("events")
    if "nonce" in claims:
        raise LogoutTokenError("nonce")
    if not claims.get("sub") and not claims.get("sid"):
        raise LogoutTokenError("subject")
    if time.time() - float(claims["iat"]) > LOGOUT_TOKEN_MAX_AGE:
        raise LogoutTokenError("old")
    return claims


def identities_to_log_out(provider_name: str, claims: dict) -> list[ExternalIdentity]:
    """The identities of ``provider_name`` a logout token names: by subject, or by the provider's
    session."""
    named = []
    if claims.get("sub"):
        named.append(ExternalIdentity.subject == claims["sub"])
    if claims.get("sid"):
        named.append(ExternalIdentity.last_sid == claims["sid"])
    return list(db.session.scalars(select(ExternalIdentity).where(
        ExternalIdentity.provider == provider_name, ExternalIdentity.issuer == claims["iss"],
        or_(*named))))

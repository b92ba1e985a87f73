"""Provider registration with e-mail verification, invitations, organisation pages."""
from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from consult.audit.models import AuditEvent
from consult.auth.models import User
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import Invitation, MemberRole, Membership, Organisation, OrgKind
from tests.conftest import PASSWORD, login, make_org, make_user, post_form, text_of

REGISTRATION = {
    "org_name": "Thuiszorg De Linde",
    "kvk_number": "12 34 56 78",
    "website": "https://delinde.example.org",
    "name": "Lotte de Linde",
    "email": "Lotte@DeLinde.example.org",
    "password": PASSWORD,
    "password_repeat": PASSWORD,
}


def link_in(message, path: str) -> str:
    match = re.search(rf"http://localhost({path}/[\w-]+)", message.get_body(("plain",)).get_content())
    assert match
    return match.group(1)


def test_registration_creates_unverified_provider_and_mails_link(client, mail):
    response = post_form(client, "/register", REGISTRATION)
    assert response.status_code == 200
    assert "Bijna klaar: bevestig uw e-mailadres" in text_of(response)
    org = db.session.scalar(select(Organisation))
    assert (org.kind, org.name, org.kvk_number, org.website) == (
        OrgKind.PROVIDER, "Thuiszorg De Linde", "12345678", "https://delinde.example.org")
    user = db.session.scalar(select(User))
    assert user.email == "lotte@delinde.example.org"
    assert user.email_verified_at is None
    assert [(m.organisation_id, m.role) for m in user.memberships] == [(org.id, MemberRole.CONTACT)]
    assert [m["To"] for m in mail] == ["lotte@delinde.example.org"]
    assert mail[0]["Subject"] == "Bevestig uw e-mailadres"


def test_registration_then_verification_then_login(client, mail):
    post_form(client, "/register", REGISTRATION)
    assert login(client, "lotte@delinde.example.org").headers["Location"].startswith("/verify")
    link = link_in(mail[0], "/verify")
    response = client.get(link)
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    assert login(client, "lotte@delinde.example.org").headers["Location"] == "/"
    assert client.get(link).status_code == 400  # single use
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions == ["organisation_created", "membership_added", "provider_registered",
                       "email_verified", "login"]


def test_registration_rejects_bad_kvk_and_keeps_input(client):
    response = post_form(client, "/register", {**REGISTRATION, "kvk_number": "1234567"})
    assert response.status_code == 200
    body = text_of(response)
    assert "Een KvK-nummer heeft 8 cijfers, bijvoorbeeld 12345678." in body
    assert 'value="Thuiszorg De Linde"' in response.get_data(as_text=True)
    assert 'href="#kvk_number"' in response.get_data(as_text=True)
    assert db.session.scalar(select(Organisation)) is None


def test_registration_rejects_mismatched_passwords(client):
    response = post_form(client, "/register", {**REGISTRATION, "password_repeat": "something else entirely"})
    assert "De twee wachtwoorden zijn niet gelijk." in text_of(response)


def test_resend_verification_sends_new_link_only_to_unverified(client, mail):
    make_user("new@example.org", verified=False)
    make_user("done@example.org")
    post_form(client, "/verify", {"email": "new@example.org"})
    post_form(client, "/verify", {"email": "done@example.org"})
    post_form(client, "/verify", {"email": "nobody@example.org"})
    assert [m["To"] for m in mail] == ["new@example.org"]


def invite_as_admin(admin_client, org, email="nieuw@example.org", role="member"):
    return post_form(admin_client, f"/admin/organisations/{org.id}/invite",
                     {"email": email, "role": role}, csrf_from=f"/admin/organisations/{org.id}")


def test_invitation_of_new_person(app, admin_client, mail):
    org = make_org("Zorg Noord")
    response = invite_as_admin(admin_client, org, "Nieuw@Example.org", "contact")
    assert response.status_code == 302
    assert mail[-1]["To"] == "nieuw@example.org"
    assert mail[-1]["Subject"] == "Uitnodiging om mee te doen namens Zorg Noord"
    link = link_in(mail[-1], "/invitation")
    invitee = app.test_client()
    response = post_form(invitee, link, {"name": "Nina Nieuw", "password": PASSWORD,
                                         "password_repeat": PASSWORD}, csrf_from=link)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/organisation/{org.id}"
    user = db.session.scalar(select(User).where(User.email == "nieuw@example.org"))
    assert user.name == "Nina Nieuw"
    assert user.email_verified_at is not None
    assert [(m.organisation_id, m.role) for m in user.memberships] == [(org.id, MemberRole.CONTACT)]
    assert "Zorg Noord" in text_of(invitee.get(f"/organisation/{org.id}"))
    # The link works once.
    assert app.test_client().get(link).status_code == 400


def test_invitation_expires_after_seven_days(app, admin_client, mail):
    org = make_org("Zorg Noord")
    invite_as_admin(admin_client, org)
    invitation = db.session.scalar(select(Invitation))
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    invitation.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = app.test_client().get(link_in(mail[-1], "/invitation"))
    assert response.status_code == 400
    assert "Deze link is verlopen." in text_of(response)


def test_invitation_of_existing_user_requires_their_login(app, admin_client, mail):
    org = make_org("Zorg Noord")
    existing = make_user("bestaand@example.org", org=make_org("Zorg Zuid"))
    invite_as_admin(admin_client, org, "bestaand@example.org")
    link = link_in(mail[-1], "/invitation")
    anonymous = app.test_client()
    assert "log daarmee in om de uitnodiging te accepteren" in text_of(anonymous.get(link))
    assert post_form(anonymous, link, {}, csrf_from=link).status_code == 200
    assert db.session.scalar(select(Membership).where(Membership.organisation_id == org.id)) is None
    login(anonymous, "bestaand@example.org")
    response = post_form(anonymous, link, {}, csrf_from=link)
    assert response.status_code == 302
    memberships = db.session.scalars(select(Membership).where(Membership.user_id == existing.id)).all()
    assert sorted(m.organisation.name for m in memberships) == ["Zorg Noord", "Zorg Zuid"]


def test_contact_person_invites_colleague_member_cannot(app, mail):
    org = make_org("Zorg Noord")
    make_user("contact@example.org", org=org, role=MemberRole.CONTACT)
    make_user("lid@example.org", org=org, role=MemberRole.MEMBER)
    contact = app.test_client()
    login(contact, "contact@example.org")
    response = post_form(contact, f"/organisation/{org.id}", {"email": "collega@example.org", "role": "member"})
    assert response.status_code == 302
    assert [m["To"] for m in mail] == ["collega@example.org"]
    member = app.test_client()
    login(member, "lid@example.org")
    page = text_of(member.get(f"/organisation/{org.id}"))
    assert "Een collega uitnodigen" not in page
    response = post_form(member, f"/organisation/{org.id}", {"email": "x@example.org", "role": "contact"})
    assert response.status_code == 403
    assert len(mail) == 1


def test_organisation_page_is_404_for_non_members(app):
    org = make_org("Zorg Noord")
    make_user("ander@example.org", org=make_org("Zorg Zuid"))
    other = app.test_client()
    login(other, "ander@example.org")
    assert other.get(f"/organisation/{org.id}").status_code == 404

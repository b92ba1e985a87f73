"""Platform administration: access, search, deactivation, roles; everything audited."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from consult.audit.models import AuditEvent
from consult.auth.models import User
from consult.extensions import db
from consult.orgs.models import MemberRole, Membership, Organisation, OrgKind
from tests.conftest import login, make_org, make_user, post_form, text_of

ADMIN_PAGES = ["/admin/", "/admin/users", "/admin/users/{user}", "/admin/organisations",
               "/admin/organisations/new", "/admin/organisations/{org}", "/admin/audit",
               "/admin/erasure"]
ADMIN_ACTIONS = ["/admin/users/{user}/deactivate", "/admin/users/{user}/activate",
                 "/admin/users/{user}/admin", "/admin/memberships/{membership}/role",
                 "/admin/memberships/{membership}/remove", "/admin/organisations/new",
                 "/admin/organisations/{org}", "/admin/organisations/{org}/invite",
                 "/admin/users/{user}/two-factor/reset", "/admin/erasure/{request}/{decision}",
                 "/admin/organisations/{org}/confirm-kvk"]


@pytest.fixture
def objects():
    org = make_org("Zorg Noord")
    user = make_user("lid@example.org", org=org)
    membership = db.session.scalar(select(Membership))
    return {"org": org.id, "user": user.id, "membership": membership.id, "request": 1,
            "decision": "confirm"}


def test_admin_routes_are_all_covered(app):
    rules = sorted({r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/admin")})
    listed = {p.replace("{user}", "<int:user_id>").replace("{org}", "<int:org_id>")
              .replace("{membership}", "<int:membership_id>").replace("{request}", "<int:request_id>")
              .replace("{decision}", "<any(confirm, reject):decision>") for p in ADMIN_PAGES + ADMIN_ACTIONS}
    assert set(rules) == listed


def test_non_admin_gets_403_on_every_admin_page_and_action(app, objects):
    make_user("gewoon@example.org", org=make_org("Andere zorg"))
    client = app.test_client()
    login(client, "gewoon@example.org")
    for path in ADMIN_PAGES:
        assert client.get(path.format(**objects)).status_code == 403, path
    for path in ADMIN_ACTIONS:
        assert post_form(client, path.format(**objects), {"role": "contact", "email": "x@example.org",
                                                          "name": "X", "kind": "provider"}).status_code == 403, path
    assert db.session.get(User, objects["user"]).active is True


def test_anonymous_is_sent_to_login_from_admin(app, objects):
    client = app.test_client()
    for path in ADMIN_PAGES:
        response = client.get(path.format(**objects))
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/login?next=")


def test_admin_403_page_is_friendly_dutch(app):
    make_user("gewoon@example.org")
    client = app.test_client()
    login(client, "gewoon@example.org")
    body = text_of(client.get("/admin/users"))
    assert "Geen toegang" in body
    assert "Traceback" not in body


def test_user_search_full_page_and_htmx_fragment(admin_client):
    make_user("piet@example.org", name="Piet Puk")
    make_user("klaas@example.org", name="Klaas Vaak")
    page = admin_client.get("/admin/users?q=puk")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<html" in html and "Piet Puk" in html and "Klaas Vaak" not in html
    assert "1 gebruiker gevonden" in text_of(page)
    fragment = admin_client.get("/admin/users?q=vaak", headers={"HX-Request": "true"})
    html = fragment.get_data(as_text=True)
    assert "<html" not in html and "Klaas Vaak" in html and "Piet Puk" not in html
    assert "HX-Request" in fragment.headers["Vary"]


def test_user_search_treats_wildcards_literally(admin_client):
    make_user("piet@example.org", name="Piet Puk")
    assert "0 gebruikers gevonden" in text_of(admin_client.get("/admin/users?q=%25"))


def test_deactivation_ends_sessions_and_is_audited(app, admin_client):
    make_user("lid@example.org")
    member = app.test_client()
    login(member, "lid@example.org")
    assert member.get("/account").status_code == 200
    target = db.session.scalar(select(User).where(User.email == "lid@example.org"))
    response = post_form(admin_client, f"/admin/users/{target.id}/deactivate", csrf_from="/admin/users")
    assert response.status_code == 302
    assert member.get("/account").status_code == 302
    assert login(app.test_client(), "lid@example.org").status_code == 200
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user_deactivated"))
    assert (event.actor_id, event.object_type, event.object_id, event.result) == (
        admin_client.user.id, "User", str(target.id), "success")
    assert event.ip == "127.0.0.1"


def test_admin_cannot_deactivate_self(admin_client):
    me = admin_client.user
    post_form(admin_client, f"/admin/users/{me.id}/deactivate", csrf_from="/admin/users")
    assert db.session.get(User, me.id).active is True


def test_admin_changes_roles(admin_client, objects):
    post_form(admin_client, f"/admin/memberships/{objects['membership']}/role", {"role": "contact"},
              csrf_from="/admin/users")
    assert db.session.get(Membership, objects["membership"]).role == MemberRole.CONTACT
    post_form(admin_client, f"/admin/users/{objects['user']}/admin", {"is_admin": "y"},
              csrf_from="/admin/users")
    assert db.session.get(User, objects["user"]).is_admin is True
    actions = [e.action for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action != "login").order_by(AuditEvent.id))]
    assert actions == ["membership_role_changed", "admin_role_changed"]


def test_admin_creates_organisation_and_validates(admin_client):
    response = post_form(admin_client, "/admin/organisations/new",
                         {"kind": "council", "name": "Adviesraad Oost", "kvk_number": "", "website": ""})
    assert response.status_code == 302
    org = db.session.scalar(select(Organisation))
    assert (org.kind, org.name, org.kvk_number) == (OrgKind.COUNCIL, "Adviesraad Oost", None)
    response = post_form(admin_client, "/admin/organisations/new",
                         {"kind": "provider", "name": "", "kvk_number": "12", "website": "geen url"})
    body = text_of(response)
    assert "Vul de naam van de organisatie in." in body
    assert "Een KvK-nummer heeft 8 cijfers, bijvoorbeeld 12345678." in body
    assert "Vul een webadres in zoals https://www.voorbeeld.nl." in body


def test_admin_removes_membership(admin_client, objects):
    post_form(admin_client, f"/admin/memberships/{objects['membership']}/remove", {"back": "org"},
              csrf_from="/admin/users")
    assert db.session.get(Membership, objects["membership"]) is None

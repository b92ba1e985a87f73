"""Two-step login: required for admins and team members, optional for others, codes used once,
recovery codes, rate limits, and every change audited."""
from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from consult.audit.models import AuditEvent
from consult.auth.models import RecoveryCode, User
from consult.consultations.models import Consultation, Status, TeamMember, TeamRole
from consult.extensions import db
from consult.orgs.models import OrgKind
from tests.conftest import login, make_org, make_user, post_form, text_of


@pytest.fixture
def required(app, monkeypatch):
    monkeypatch.setitem(app.config, "TWO_FACTOR_REQUIRED", True)


def _secret_from(html: str) -> str:
    match = re.search(r'<code class="secret-key">([A-Z2-7 ]+)</code>', html)
    assert match, "set-up page shows no key"
    return match.group(1).replace(" ", "")


def _code(secret: str, offset: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(time.time()) + offset)


def _actions(user: User) -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(user.id),
                                                                   AuditEvent.object_type == "User")
                                   .order_by(AuditEvent.seq)))


def _enrol(client) -> tuple[str, list[str]]:
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = _secret_from(page)
    response = post_form(client, "/account/two-factor", {"code": _code(secret)},
                         csrf_from="/account/two-factor")
    assert response.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", response.get_data(as_text=True))
    return secret, codes


def test_admin_must_set_up_two_step_login_before_anything_else(app, client, required):
    admin = make_user("admin@example.org", name="Ada Admin", admin=True)
    login(client, admin.email)
    blocked = client.get("/admin/users")
    assert blocked.status_code == 302 and blocked.headers["Location"] == "/account/two-factor"
    assert client.get("/privacy").status_code == 200
    htmx = client.get("/admin/users", headers={"HX-Request": "true"})
    assert htmx.headers["HX-Redirect"] == "/account/two-factor"
    page = client.get("/account/two-factor")
    assert page.headers["Cache-Control"] == "no-store"
    assert "Uw rol op het platform vereist inloggen in twee stappen" in text_of(page)
    qr = client.get("/account/two-factor/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    assert qr.get_data(as_text=True).startswith("<svg") and "<script" not in qr.get_data(as_text=True)
    secret, codes = _enrol(client)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/admin/users").status_code == 200
    assert client.get("/account/two-factor/qr.svg").status_code == 404  # the key is not shown again
    db.session.expire_all()
    stored = db.session.get(User, admin.id)
    assert stored.totp_secret == secret and stored.two_factor_enabled
    assert db.session.scalar(select(db.func.count()).select_from(RecoveryCode)) == 10
    assert "two_factor_enabled" in _actions(admin)


def test_team_member_must_set_up_two_step_login_but_a_provider_need_not(app, client, required):
    municipality = make_org("Gemeente Delft", kind=OrgKind.MUNICIPALITY)
    consultation = Consultation(slug="wmo", title="Wmo", status=Status.DRAFT, principles=[],
                                municipalities=[municipality])
    team = make_user("team@example.org", org=municipality)
    db.session.add_all([consultation, TeamMember(consultation=consultation, user=team,
                                                 role=TeamRole.ANALYST)])
    db.session.commit()
    make_user("zorg@example.org", org=make_org("Zorg A", kvk="11111111"))
    login(client, "team@example.org")
    assert client.get("/consultations/wmo/manage").headers["Location"] == "/account/two-factor"
    other = app.test_client()
    login(other, "zorg@example.org")
    assert other.get("/account").status_code == 200
    assert "Inloggen in twee stappen" in text_of(other.get("/account"))


def test_a_wrong_set_up_code_is_explained_and_nothing_is_switched_on(app, client, required):
    admin = make_user("admin@example.org", admin=True)
    login(client, admin.email)
    client.get("/account/two-factor")
    response = post_form(client, "/account/two-factor", {"code": "000000"}, csrf_from="/account/two-factor")
    assert response.status_code == 200
    page = text_of(response)
    assert "Deze code klopt niet" in page and "Er is een probleem" in page
    db.session.expire_all()
    assert db.session.get(User, admin.id).two_factor_enabled is False


def _enrolled_admin(app) -> tuple[User, str, list[str]]:
    admin = make_user("admin@example.org", name="Ada Admin", admin=True)
    client = app.test_client()
    login(client, admin.email)
    secret, codes = _enrol(client)
    return admin, secret, codes


def test_login_asks_for_the_code_and_accepts_each_code_once(app, required):
    admin, secret, _codes = _enrolled_admin(app)
    first, second = app.test_client(), app.test_client()
    step = login(first, admin.email)
    assert step.headers["Location"] == "/login/code"
    assert first.get("/admin/users").status_code == 302  # not logged in yet
    assert first.get("/admin/users").headers["Location"].startswith("/login")
    # The code used at enrolment has been spent; the next step's code is fresh.
    code = _code(secret, 1)
    done = post_form(first, "/login/code", {"code": code}, csrf_from="/login/code")
    assert done.status_code == 302
    assert first.get("/admin/users").status_code == 200
    login(second, admin.email)
    again = post_form(second, "/login/code", {"code": code}, csrf_from="/login/code")
    assert again.status_code == 200
    assert "al gebruikt" in text_of(again)
    assert second.get("/admin/users").status_code == 302
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action.in_(["login", "login_code"]))
                                .order_by(AuditEvent.seq)).all()
    assert [(e.action, e.result) for e in events][-2:] == [("login", "success"), ("login_code", "failure")]
    assert events[-2].detail == {"method": "totp"}


def test_a_recovery_code_works_once_and_says_how_many_are_left(app, required):
    admin, _secret, codes = _enrolled_admin(app)
    client = app.test_client()
    login(client, admin.email)
    response = post_form(client, "/login/code", {"code": codes[3].upper().replace("-", " ")},
                         csrf_from="/login/code", follow_redirects=True)
    assert "U hebt er nog 9" in text_of(response)
    assert "recovery_code_used" in _actions(admin)
    other = app.test_client()
    login(other, admin.email)
    refused = post_form(other, "/login/code", {"code": codes[3]}, csrf_from="/login/code")
    assert refused.status_code == 200 and "niet juist" in text_of(refused)


def test_code_guessing_is_limited_like_passwords(app, required, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_MAX_FAILURES", 3)
    admin, secret, _codes = _enrolled_admin(app)
    client = app.test_client()
    login(client, admin.email)  # one successful password attempt
    for _ in range(3):
        assert post_form(client, "/login/code", {"code": "123456"}, csrf_from="/login/code").status_code == 200
    blocked = post_form(client, "/login/code", {"code": _code(secret, 1)}, csrf_from="/login/code")
    assert blocked.status_code == 429
    assert "te veel mislukte inlogpogingen" in text_of(blocked)


def test_the_code_step_expires(app, required, monkeypatch):
    admin, secret, _codes = _enrolled_admin(app)
    monkeypatch.setitem(app.config, "TWO_FACTOR_PENDING_SECONDS", -1)
    client = app.test_client()
    login(client, admin.email)
    response = client.get("/login/code")
    assert response.headers["Location"] == "/login"
    assert client.get("/admin/users").status_code == 302


def test_provider_switches_two_step_login_on_and_off(app, client):
    user = make_user("zorg@example.org", org=make_org("Zorg A", kvk="11111111"))
    login(client, user.email)
    secret, _codes = _enrol(client)
    assert "Aan." in text_of(client.get("/account"))
    wrong = post_form(client, "/account/two-factor/off", {"code": "000000"}, csrf_from="/account/two-factor")
    assert wrong.status_code == 200 and "niet juist" in text_of(wrong)
    off = post_form(client, "/account/two-factor/off", {"code": _code(secret, 1)},
                    csrf_from="/account/two-factor")
    assert off.headers["Location"] == "/account"
    db.session.expire_all()
    assert db.session.get(User, user.id).two_factor_enabled is False
    assert db.session.scalar(select(db.func.count()).select_from(RecoveryCode)) == 0
    actions = _actions(user)
    assert actions[-1] == "two_factor_disabled" and "two_factor_check_failed" in actions


def test_required_roles_cannot_switch_it_off(app, required):
    admin, secret, _codes = _enrolled_admin(app)
    client = app.test_client()
    login(client, admin.email)
    post_form(client, "/login/code", {"code": _code(secret, 1)}, csrf_from="/login/code")
    response = post_form(client, "/account/two-factor/off", {"code": _code(secret, 0)},
                         csrf_from="/account/two-factor")
    assert response.status_code == 200
    assert "kan daarom niet worden uitgezet" in text_of(response)
    db.session.expire_all()
    assert db.session.get(User, admin.id).two_factor_enabled is True


def test_new_recovery_codes_replace_the_old_ones(app):
    user = make_user("zorg@example.org")
    client = app.test_client()
    login(client, user.email)
    secret, old = _enrol(client)
    response = post_form(client, "/account/two-factor/recovery-codes", {"codes-code": _code(secret, 1)},
                         csrf_from="/account/two-factor")
    new = re.findall(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>", response.get_data(as_text=True))
    assert len(new) == 10 and not set(new) & set(old)
    other = app.test_client()
    login(other, user.email)
    refused = post_form(other, "/login/code", {"code": old[0]}, csrf_from="/login/code")
    assert "niet juist" in text_of(refused)
    accepted = post_form(other, "/login/code", {"code": new[0]}, csrf_from="/login/code")
    assert accepted.status_code == 302
    assert "recovery_codes_regenerated" in _actions(user)


def test_admin_resets_someones_two_step_login(app, admin_client):
    user = make_user("zorg@example.org")
    client = app.test_client()
    login(client, user.email)
    _enrol(client)
    response = post_form(admin_client, f"/admin/users/{user.id}/two-factor/reset",
                         csrf_from=f"/admin/users/{user.id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, user.id).two_factor_enabled is False
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "two_factor_reset"))
    assert event.actor_id == admin_client.user.id


def test_demo_code_command_only_serves_the_demo_key(app):
    from consult.demo import DEMO_TOTP_SECRET

    make_user("team@example.org").totp_secret = DEMO_TOTP_SECRET
    db.session.commit()
    make_user("echt@example.org").totp_secret = pyotp.random_base32()
    db.session.commit()
    runner = app.test_cli_runner()
    result = runner.invoke(args=["demo-code", "team@example.org"])
    assert result.exit_code == 0
    assert result.output.strip() in {_code(DEMO_TOTP_SECRET, k) for k in (-1, 0, 1)}
    refused = runner.invoke(args=["demo-code", "echt@example.org"])
    assert refused.exit_code == 1 and "Not a demo account" in refused.output

"""Login, logout, server-side revocation, timeouts, brute-force limits, password reset."""
from __future__ import annotations

import re
import time
from datetime import timedelta

from sqlalchemy import func, select

from consult.audit.models import AuditEvent
from consult.auth.models import AccountToken, LoginAttempt, User
from consult.core.time import utcnow
from consult.extensions import db
from tests.conftest import PASSWORD, build_app, login, make_user, post_form, text_of


def audit_actions() -> list[tuple[str, str]]:
    return [(e.action, e.result) for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]


def test_login_with_correct_password_starts_session(client):
    user = make_user("Anna@Example.org")
    response = login(client, "  anna@EXAMPLE.org ")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    page = client.get("/account")
    assert page.status_code == 200
    assert "anna@example.org" in text_of(page)
    assert audit_actions() == [("login", "success")]
    assert db.session.get(User, user.id).last_login_at is not None


def test_login_with_wrong_password_shows_error_and_keeps_email(client):
    make_user("anna@example.org")
    response = login(client, "anna@example.org", "wrong password here")
    assert response.status_code == 200
    body = text_of(response)
    assert "Het e-mailadres of het wachtwoord is niet juist." in body
    assert 'value="anna@example.org"' in response.get_data(as_text=True)
    assert audit_actions() == [("login", "failure")]


def test_login_redirects_to_safe_next_only(client):
    make_user("anna@example.org")
    response = login(client, "anna@example.org", next="/account")
    assert response.headers["Location"] == "/account"
    client2 = client.application.test_client()
    response = login(client2, "anna@example.org", next="https://evil.example/steal")
    assert response.headers["Location"] == "/"
    client3 = client.application.test_client()
    response = login(client3, "anna@example.org", next="//evil.example/")
    assert response.headers["Location"] == "/"


def test_unverified_user_cannot_log_in(client):
    make_user("new@example.org", verified=False)
    response = login(client, "new@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/verify?email=new@example.org"
    assert client.get("/account").status_code == 302


def test_deactivated_user_cannot_log_in(client):
    make_user("old@example.org", active=False)
    response = login(client, "old@example.org")
    assert "Dit account is uitgeschakeld." in text_of(response)
    assert client.get("/account").status_code == 302


def test_replaying_cookie_after_logout_gets_login_page(app, client):
    make_user("anna@example.org")
    login(client, "anna@example.org")
    stolen = client.get_cookie("consult_session").value
    response = post_form(client, "/logout")
    assert response.status_code == 302
    replay = app.test_client()
    replay.set_cookie("consult_session", stolen)
    response = replay.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/account")


def test_password_change_ends_other_sessions_but_keeps_this_one(app, client):
    make_user("anna@example.org")
    login(client, "anna@example.org")
    other = app.test_client()
    login(other, "anna@example.org")
    response = post_form(client, "/account/password", {
        "pw-csrf_token": "", "pw-current_password": PASSWORD,
        "pw-password": "a brand new long passphrase", "pw-password_repeat": "a brand new long passphrase",
    }, csrf_from="/account")
    assert response.status_code == 302
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302


def test_idle_timeout_logs_out(app, client):
    make_user("anna@example.org")
    login(client, "anna@example.org")
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 31 * 60
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert client.get("/account").status_code == 302


def test_activity_within_idle_timeout_keeps_session(client):
    make_user("anna@example.org")
    login(client, "anna@example.org")
    with client.session_transaction() as session:
        session["seen_at"] = int(time.time()) - 29 * 60
    assert client.get("/account").status_code == 200


def test_the_moment_of_the_last_request_is_stored_every_half_minute_and_the_page_counts_down_that_much_less(
        client, clock):
    """Not on every request (an autosave would sign and send the session cookie each time): the
    stored moment lags by less than a sixtieth of the idle timeout, so the session ends up to 30 s
    before 30 minutes of quiet, and the page's warning counts from 29 min 30 s."""
    make_user("anna@example.org")
    login(client, "anna@example.org")
    assert "Set-Cookie" in client.get("/account").headers  # the first page after login: its form token
    with client.session_transaction() as session:
        stored = session["seen_at"]
    clock.shift(20)
    response = client.get("/account")
    assert response.status_code == 200
    assert '<meta name="consult-idle-timeout" content="1770">' in response.get_data(as_text=True)
    assert "Set-Cookie" not in response.headers  # nothing in the session changed
    with client.session_transaction() as session:
        assert session["seen_at"] == stored
    clock.shift(15)  # 35 s after the stored moment: this request's moment is stored
    before = int(time.time())
    assert client.get("/account").status_code == 200
    after = int(time.time())
    with client.session_transaction() as session:
        assert before <= session["seen_at"] <= after
        assert session["seen_at"] - stored >= 35
        stored = session["seen_at"]
    clock.shift(20)  # a request 20 s later is not stored ...
    assert client.get("/account").status_code == 200
    with client.session_transaction() as session:
        assert session["seen_at"] == stored
    clock.shift(30 * 60 - 20 + 5)  # ... so 29 min 45 s after it, 30 min 5 s after the stored moment, it has ended
    assert client.get("/account").status_code == 302


def test_absolute_timeout_logs_out_even_when_active(client):
    make_user("anna@example.org")
    login(client, "anna@example.org")
    with client.session_transaction() as session:
        session["auth_at"] = int(time.time()) - 12 * 3600 - 1
    assert client.get("/account").status_code == 302


def test_htmx_request_without_login_gets_hx_redirect(client):
    response = client.get("/account", headers={"HX-Request": "true",
                                                "HX-Current-URL": "http://localhost/account"})
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == "/login?next=/account"
    assert response.get_data(as_text=True) == ""


def test_ten_failures_for_one_account_give_429_across_workers(app, tmp_path):
    make_user("anna@example.org")
    client = app.test_client()
    for _ in range(10):
        assert login(client, "anna@example.org", "wrong password here").status_code == 200
    response = login(client, "anna@example.org")  # even the right password
    assert response.status_code == 429
    assert "Er waren te veel mislukte inlogpogingen." in text_of(response)
    # A second worker (another app on the same database) sees the same count.
    other_worker = build_app(tmp_path, SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    with other_worker.app_context():
        response = login(other_worker.test_client(), "anna@example.org")
        assert response.status_code == 429
        db.session.remove()
        db.engine.dispose()


def test_ten_failures_from_one_address_block_that_address(client):
    for number in range(10):
        login(client, f"guess{number}@example.org", "wrong password here")
    make_user("anna@example.org")
    assert login(client, "anna@example.org").status_code == 429


def test_failures_older_than_window_do_not_count(client):
    make_user("anna@example.org")
    old = utcnow() - timedelta(minutes=16)
    db.session.add_all([LoginAttempt(email="anna@example.org", ip="127.0.0.1", success=False,
                                     created_at=old) for _ in range(10)])
    db.session.commit()
    assert login(client, "anna@example.org").status_code == 302


def test_nine_failures_still_allow_login(client):
    make_user("anna@example.org")
    for _ in range(9):
        login(client, "anna@example.org", "wrong password here")
    assert login(client, "anna@example.org").status_code == 302


def reset_link(mail) -> str:
    match = re.search(r"http://localhost(/password/reset/[\w-]+)", mail[-1].get_body(("plain",)).get_content())
    assert match
    return match.group(1)


def test_password_reset_mail_and_single_use(client, mail):
    make_user("anna@example.org")
    response = post_form(client, "/password/forgot", {"email": "anna@example.org"})
    assert response.status_code == 200
    assert len(mail) == 1
    assert mail[0]["To"] == "anna@example.org"
    assert mail[0]["Subject"] == "Kies een nieuw wachtwoord"
    link = reset_link(mail)
    new = "another long passphrase"
    response = post_form(client, link, {"password": new, "password_repeat": new}, csrf_from=link)
    assert response.status_code == 302
    assert login(client.application.test_client(), "anna@example.org", new).status_code == 302
    # Second use of the same link
    again = client.application.test_client().get(link)
    assert again.status_code == 400
    assert "Deze link is al gebruikt." in text_of(again)


def test_password_reset_does_not_reveal_unknown_email(client, mail):
    make_user("anna@example.org")
    known = text_of(post_form(client, "/password/forgot", {"email": "anna@example.org"}))
    unknown = text_of(post_form(client, "/password/forgot", {"email": "nobody@example.org"}))
    assert known.replace("anna@example.org", "X") == unknown.replace("nobody@example.org", "X")
    # Both get a mail (the same work either way); only the known address gets a link.
    assert [(m["To"], "/password/reset/" in m.get_body(("plain",)).get_content()) for m in mail] == [
        ("anna@example.org", True), ("nobody@example.org", False)]


def test_password_reset_link_expires_after_an_hour(client, mail):
    make_user("anna@example.org")
    post_form(client, "/password/forgot", {"email": "anna@example.org"})
    link = reset_link(mail)
    token = db.session.scalar(select(AccountToken))
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    response = client.get(link)
    assert response.status_code == 400
    assert "Deze link is verlopen." in text_of(response)


def test_reset_token_lifetime_is_one_hour(client, mail):
    make_user("anna@example.org")
    post_form(client, "/password/forgot", {"email": "anna@example.org"})
    token = db.session.scalar(select(AccountToken))
    assert token.expires_at - token.created_at == timedelta(hours=1)


def test_reset_refuses_common_and_short_passwords(client, mail):
    make_user("anna@example.org")
    post_form(client, "/password/forgot", {"email": "anna@example.org"})
    link = reset_link(mail)
    response = post_form(client, link, {"password": "short", "password_repeat": "short"}, csrf_from=link)
    assert "Gebruik minstens 12 tekens." in text_of(response)
    response = post_form(client, link, {"password": "Qwerty123456", "password_repeat": "Qwerty123456"},
                         csrf_from=link)
    assert "Dit wachtwoord is een van de meest gebruikte wachtwoorden." in text_of(response)
    assert db.session.scalar(select(func.count()).select_from(AccountToken).where(AccountToken.used_at.is_(None))) == 1


def test_logout_requires_post_with_csrf(client):
    make_user("anna@example.org")
    login(client, "anna@example.org")
    assert client.get("/logout").status_code == 405
    response = client.post("/logout")
    assert response.status_code == 400
    assert client.get("/account").status_code == 200

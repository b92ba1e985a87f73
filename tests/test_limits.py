"""Limits on guessing and on costly requests, the lock-out policy, and nothing learnt from answers.

Each test plays an attack from the security walk (issue 19) and shows it refused: parallel
wrong passwords, codes guessed on the account page, a holder kept out by someone else's
failures, mail bombs through the reset and registration forms, and registration or a reset
request telling whether an e-mail address or KvK number is known.
"""
from __future__ import annotations

import math
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pyotp
import pytest
from sqlalchemy import func, select

from consult.audit.models import AuditEvent
from consult.auth.lockout import DEVICE_COOKIE, account_delay
from consult.auth.models import LoginAttempt, RecoveryCode, User
from consult.core.time import utcnow
from consult.extensions import db
from consult.orgs.models import Organisation
from tests.conftest import PASSWORD, csrf_token_from, login, make_org, make_user, post_form, text_of

WRONG = "wrong password here"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def from_address(client, address: str):
    """Requests of ``client`` come from ``address`` (REMOTE_ADDR, as behind no proxy)."""
    client.environ_base["REMOTE_ADDR"] = address
    return client


def attacker(app, number: int = 1):
    return from_address(app.test_client(), f"203.0.113.{number}")


def with_two_step(user: User) -> str:
    secret = pyotp.random_base32()
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    db.session.commit()
    return secret


def current_code(secret: str, offset: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(time.time()) + offset)


def login_events(result: str) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "login", AuditEvent.result == result))


def failures_on_record(email: str) -> int:
    return db.session.scalar(select(func.count()).select_from(LoginAttempt).where(
        LoginAttempt.email == email, LoginAttempt.success.is_(False)))


def shown_retry_times(before: float, after: float, window: timedelta) -> set[str]:
    """The 'HH:MM' a 429 page may show for a limit whose first hit fell between two moments."""
    def minute_up(moment: float) -> str:
        local = datetime.fromtimestamp(math.ceil(moment), tz=UTC).astimezone(AMSTERDAM)
        if local.second:
            local = local.replace(second=0) + timedelta(minutes=1)
        return local.strftime("%H:%M")

    return {minute_up(before + window.total_seconds()), minute_up(after + window.total_seconds())}


def retry_time_in(text: str) -> str:
    match = re.search(r"U kunt het vanaf (\d\d:\d\d) opnieuw proberen\.", text)
    assert match, text
    return match.group(1)


# --- passwords and codes: counted atomically ------------------------------------------------------

def test_forty_parallel_wrong_passwords_check_at_most_the_limit(app):
    """The race from the walk: 40 wrong passwords at once used to get 22-23 checked of 10."""
    make_user("anna@example.org")
    clients = [app.test_client() for _ in range(40)]
    tokens = [csrf_token_from(c.get("/login").get_data(as_text=True)) for c in clients]
    start = threading.Barrier(40)

    def attempt(index: int) -> int:
        start.wait()
        return clients[index].post("/login", data={"csrf_token": tokens[index], "email": "anna@example.org",
                                                    "password": WRONG}).status_code

    with ThreadPoolExecutor(max_workers=40) as pool:
        statuses = list(pool.map(attempt, range(40)))
    db.session.rollback()
    assert sorted(statuses) == [200] * 10 + [429] * 30
    assert (login_events("failure"), login_events("throttled")) == (10, 30)
    assert failures_on_record("anna@example.org") == 10


def test_codes_guessed_on_the_account_page_count_towards_the_login_limit(app, client):
    """The walk's attack: 30 wrong codes, then the right one minted ten new recovery codes."""
    user = make_user("anna@example.org")
    secret = with_two_step(user)
    login(client, user.email)
    post_form(client, "/login/code", {"code": current_code(secret)}, csrf_from="/login/code")
    statuses = [post_form(client, "/account/two-factor/recovery-codes", {"codes-code": "000000"},
                          csrf_from="/account/two-factor").status_code for _ in range(12)]
    assert statuses == [200] * 10 + [429] * 2
    refused = post_form(client, "/account/two-factor/recovery-codes",
                        {"codes-code": current_code(secret, 1)}, csrf_from="/account/two-factor")
    assert refused.status_code == 429
    assert "Er zijn te vaak een verkeerd wachtwoord of een verkeerde code ingevuld voor dit account." \
        in text_of(refused)
    assert db.session.scalar(select(func.count()).select_from(RecoveryCode)) == 0
    # Switching two-step login off and changing the password are refused by the same count.
    off = post_form(client, "/account/two-factor/off", {"code": current_code(secret, 1)},
                    csrf_from="/account/two-factor")
    change = post_form(client, "/account/password", {"pw-current_password": PASSWORD,
                                                     "pw-password": "a brand new passphrase",
                                                     "pw-password_repeat": "a brand new passphrase"},
                       csrf_from="/account")
    assert (off.status_code, change.status_code) == (429, 429)
    db.session.refresh(user)
    assert user.two_factor_enabled is True


def test_wrong_current_passwords_count_towards_the_login_limit(app, client):
    user = make_user("anna@example.org")
    login(client, user.email)
    for _ in range(3):
        response = post_form(client, "/account/password", {"pw-current_password": WRONG,
                                                           "pw-password": "a brand new passphrase",
                                                           "pw-password_repeat": "a brand new passphrase"},
                             csrf_from="/account")
        assert "Uw huidige wachtwoord is niet juist." in text_of(response)
    other = app.test_client()
    for _ in range(7):
        assert login(other, user.email, WRONG).status_code == 200
    assert login(other, user.email).status_code == 429


# --- lock-out is no weapon ----------------------------------------------------------------------

def test_wrong_passwords_from_another_address_do_not_lock_out_the_holder(app, client):
    """Ten wrong passwords every quarter of an hour from elsewhere kept a contact person out."""
    make_user("anna@example.org")
    guesser = attacker(app)
    assert [login(guesser, "anna@example.org", WRONG).status_code for _ in range(11)] == [200] * 10 + [429]
    assert login(guesser, "anna@example.org").status_code == 429  # the right password, wrong address
    response = login(client, "anna@example.org")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_failures_from_many_addresses_give_growing_delays_not_a_lock(app, monkeypatch, clock):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_FREE_FAILURES", 4)
    make_user("anna@example.org")
    now = utcnow()
    # Four failures from four addresses, the last just now: the fifth attempt waits 1 s.
    db.session.add_all([LoginAttempt(email="anna@example.org", ip=f"198.51.100.{n}", success=False,
                                     created_at=now - timedelta(seconds=3 - n)) for n in range(4)])
    db.session.commit()
    guesser = attacker(app, 9)
    waited = login(guesser, "anna@example.org", WRONG)
    assert waited.status_code == 429
    assert waited.headers["Retry-After"] == "1"
    clock.shift(1.1)
    assert login(guesser, "anna@example.org", WRONG).status_code == 200  # the delay passed
    second = login(attacker(app, 10), "anna@example.org", WRONG)
    assert (second.status_code, second.headers["Retry-After"]) == (429, "2")
    assert [account_delay(n).total_seconds() for n in (3, 4, 5, 6, 12, 13)] == [0, 1, 2, 4, 256, 300]


def test_a_browser_that_logged_in_before_is_not_delayed(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_FREE_FAILURES", 4)
    make_user("anna@example.org")
    assert login(client, "anna@example.org").status_code == 302
    assert client.get_cookie(DEVICE_COOKIE) is not None
    post_form(client, "/logout", csrf_from="/account")
    # Twelve failures from as many addresses, the last just now: the next one waits 2^8 s.
    now = utcnow()
    db.session.add_all([LoginAttempt(email="anna@example.org", ip=f"198.51.100.{n}", success=False,
                                     created_at=now - timedelta(seconds=11 - n)) for n in range(12)])
    db.session.commit()
    waits = login(attacker(app, 20), "anna@example.org")  # a new browser, the right password
    assert (waits.status_code, int(waits.headers["Retry-After"])) == (429, 256)
    response = login(client, "anna@example.org")
    assert response.status_code == 302
    # A forged cookie trusts nothing.
    stranger = from_address(app.test_client(), "192.0.2.7")
    stranger.set_cookie(DEVICE_COOKIE, client.get_cookie(DEVICE_COOKIE).value[:-2] + "xx")
    assert login(stranger, "anna@example.org").status_code == 429


def test_a_completed_password_reset_clears_the_limit(app, client, mail):
    make_user("anna@example.org")
    for _ in range(10):
        login(client, "anna@example.org", WRONG)
    assert login(client, "anna@example.org").status_code == 429
    post_form(client, "/password/forgot", {"email": "anna@example.org"}, csrf_from="/password/forgot")
    link = re.search(r"http://localhost(/password/reset/[\w-]+)", mail[-1].get_body(("plain",)).get_content())
    post_form(client, link.group(1), {"password": "a brand new passphrase",
                                      "password_repeat": "a brand new passphrase"}, csrf_from=link.group(1))
    response = login(client, "anna@example.org", "a brand new passphrase")
    assert response.status_code == 302


def test_a_correct_two_step_code_clears_the_limit(app, client):
    user = make_user("anna@example.org")
    secret = with_two_step(user)
    for _ in range(9):
        login(client, user.email, WRONG)
    assert login(client, user.email).headers["Location"] == "/login/code"  # the tenth: right
    assert post_form(client, "/login/code", {"code": current_code(secret)},
                     csrf_from="/login/code").status_code == 302
    post_form(client, "/logout", csrf_from="/account")
    # The nine failures are forgiven: nine more wrong passwords still leave room for the right one.
    for _ in range(9):
        assert login(client, user.email, WRONG).status_code == 200
    assert login(client, user.email).headers["Location"] == "/login/code"


def test_the_holder_is_mailed_once_when_the_account_is_guessed_at(app, mail):
    make_user("anna@example.org")
    for number in range(1, 26):
        login(attacker(app, number), "anna@example.org", WRONG)
    warnings = [m for m in mail if m["Subject"] == "Iemand probeert in te loggen op uw account"]
    assert [m["To"] for m in warnings] == ["anna@example.org"]
    body = warnings[0].get_body(("plain",)).get_content()
    assert "http://localhost/password/forgot" in body
    assert "U krijgt deze e-mail hoogstens één keer per dag." in body


def test_unknown_addresses_get_no_warning_and_the_same_answer(app, mail):
    make_user("anna@example.org")
    known = text_of(login(attacker(app), "anna@example.org", WRONG))
    unknown = text_of(login(attacker(app, 2), "nobody@example.org", WRONG))
    assert known == unknown
    assert mail == []


def test_the_refusal_says_when_to_try_again_in_dutch_and_english(app, client):
    make_user("anna@example.org")
    before = time.time()
    for _ in range(10):
        login(client, "anna@example.org", WRONG)
    after = time.time()
    refused = login(client, "anna@example.org")
    window = app.config["LOGIN_FAILURE_WINDOW"]
    assert retry_time_in(text_of(refused)) in shown_retry_times(before, after, window)
    assert "Er waren te veel mislukte inlogpogingen." in text_of(refused)
    assert int(refused.headers["Retry-After"]) in range(int(window.total_seconds()) - 60,
                                                        int(window.total_seconds()) + 1)
    client.set_cookie("consult_lang", "en")
    english = text_of(login(client, "anna@example.org"))
    assert "There were too many failed login attempts. You can try again from" in english
    assert "Or choose a new password with a link by e-mail; that lifts the limit." in english


# --- limits per address and per e-mail address --------------------------------------------------

def test_reset_requests_are_limited_per_target_address_keeping_the_form(app, client, mail):
    """A mail bomb through /password/forgot: three mails per address per hour, then a 429."""
    make_user("anna@example.org")
    for _ in range(3):
        assert post_form(client, "/password/forgot", {"email": "anna@example.org"},
                         csrf_from="/password/forgot").status_code == 200
    refused = post_form(client, "/password/forgot", {"email": "anna@example.org"},
                        csrf_from="/password/forgot")
    assert refused.status_code == 429
    assert "U hebt te vaak een nieuw wachtwoord aangevraagd." in text_of(refused)
    assert 'value="anna@example.org"' in refused.get_data(as_text=True)
    assert int(refused.headers["Retry-After"]) in range(3540, 3601)
    assert [m["To"] for m in mail] == ["anna@example.org"] * 3
    # From other addresses too: the limit is per e-mail address.
    assert post_form(attacker(app), "/password/forgot", {"email": "anna@example.org"},
                     csrf_from="/password/forgot").status_code == 429


def test_reset_requests_are_limited_per_address(app, client, mail):
    for number in range(10):
        assert post_form(client, "/password/forgot", {"email": f"person{number}@example.org"},
                         csrf_from="/password/forgot").status_code == 200
    refused = post_form(client, "/password/forgot", {"email": "person10@example.org"},
                        csrf_from="/password/forgot")
    assert refused.status_code == 429
    assert len(mail) == 10
    assert post_form(attacker(app), "/password/forgot", {"email": "person10@example.org"},
                     csrf_from="/password/forgot").status_code == 200


def test_verification_requests_are_limited_per_target_address(app, client, mail):
    make_user("new@example.org", verified=False)
    statuses = [post_form(from_address(app.test_client(), f"192.0.2.{n}"), "/verify",
                          {"email": "new@example.org"}, csrf_from="/verify").status_code for n in range(4)]
    assert statuses == [200, 200, 200, 429]
    assert len(mail) == 3


REGISTRATION = {"org_name": "Thuiszorg De Linde", "kvk_number": "12345678", "website": "",
                "name": "Lotte de Linde", "email": "lotte@delinde.example.org",
                "password": PASSWORD, "password_repeat": PASSWORD}


def test_registrations_are_limited_per_address_keeping_the_form(app, client):
    for number in range(10):
        data = {**REGISTRATION, "kvk_number": f"1234{number:04d}", "email": f"p{number}@example.org"}
        assert post_form(client, "/register", data, csrf_from="/register").status_code == 200
    refused = post_form(client, "/register", {**REGISTRATION, "email": "p10@example.org"},
                        csrf_from="/register")
    assert refused.status_code == 429
    assert "Er waren te veel aanmeldingen in korte tijd." in text_of(refused)
    assert 'value="Thuiszorg De Linde"' in refused.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/verify/not-a-token", "/password/reset/not-a-token",
                                  "/invitation/not-a-token"])
def test_links_with_a_token_are_limited_per_address(app, client, path):
    assert [client.get(path).status_code for _ in range(30)] == [400] * 30
    refused = client.get(path)
    assert refused.status_code == 429
    assert "Er waren te veel pogingen in korte tijd. Daarom is dit niet uitgevoerd." in text_of(refused)
    assert int(refused.headers["Retry-After"]) in range(3540, 3601)
    assert attacker(app).get(path).status_code == 400


def test_receipt_codes_are_limited_per_address_and_an_empty_form_costs_nothing(app, client):
    for _ in range(5):
        assert client.get("/receipts/verify").status_code == 200
    before = time.time()
    statuses = [client.get(f"/receipts/verify?code={n:032x}").status_code for n in range(31)]
    assert statuses == [200] * 30 + [429]
    refused = client.get("/receipts/verify?code=" + "a" * 32)
    assert retry_time_in(text_of(refused)) in shown_retry_times(before, time.time(), timedelta(hours=1))


# --- nothing learnt from messages or timing -------------------------------------------------------

def _page_for(client, data: dict) -> str:
    return text_of(post_form(client, "/register", data, csrf_from="/register")).replace(data["email"], "X")


def test_registration_with_a_known_email_answers_as_for_a_new_one(app, client, mail):
    org = make_org("Bestaand", kvk="87654321")
    make_user("lotte@delinde.example.org", name="Lotte Bestaand", org=org)
    known = _page_for(client, REGISTRATION)
    new = _page_for(app.test_client(), {**REGISTRATION, "email": "nieuw@delinde.example.org",
                                        "kvk_number": "11223344"})
    assert known == new
    assert "Bijna klaar: bevestig uw e-mailadres" in known
    assert [(m["To"], m["Subject"]) for m in mail] == [
        ("lotte@delinde.example.org", "U hebt al een account"),
        ("nieuw@delinde.example.org", "Bevestig uw e-mailadres")]
    holder_mail = mail[0].get_body(("plain",)).get_content()
    assert "http://localhost/login" in holder_mail and "http://localhost/password/forgot" in holder_mail
    assert db.session.scalar(select(func.count()).select_from(User)) == 2
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 2


def test_registration_with_a_known_kvk_number_sends_the_person_to_their_contact(app, client, mail):
    org = make_org("Bestaand", kvk="12345678")
    make_user("contact@bestaand.example.org", name="Carla Contact", org=org)
    known = _page_for(client, {**REGISTRATION, "email": "ander@delinde.example.org"})
    new = _page_for(app.test_client(), {**REGISTRATION, "kvk_number": "11223344"})
    assert known == new
    assert [(m["To"], m["Subject"]) for m in mail] == [
        ("ander@delinde.example.org", "Uw organisatie is al aangemeld"),
        ("lotte@delinde.example.org", "Bevestig uw e-mailadres")]
    text = mail[0].get_body(("plain",)).get_content()
    assert "Vraag de contactpersoon van uw organisatie om u uit te nodigen." in text
    assert ("Carla" in text, "contact@bestaand" in text, "Bestaand" in text) == (False, False, False)
    assert db.session.scalar(select(User).where(User.email == "ander@delinde.example.org")) is None


def test_registration_renders_one_mail_on_every_path(app, client, mail):
    """Known address, known KvK number, new: each request hashes the password (in
    request_registration, before it looks anything up) and renders exactly one mail, so the
    work, and with it the time, is the same. A timing test would flake on a shared two-core
    machine; counting what each path does cannot."""
    org = make_org("Bestaand", kvk="87654321")
    make_user("lotte@delinde.example.org", org=org)
    for data in (REGISTRATION, {**REGISTRATION, "email": "x@delinde.example.org", "kvk_number": "87654321"},
                 {**REGISTRATION, "email": "y@delinde.example.org", "kvk_number": "11223344"}):
        before = len(mail)
        post_form(client, "/register", data, csrf_from="/register")
        assert len(mail) - before == 1


def test_reset_request_renders_one_mail_for_known_and_unknown_addresses(app, client, mail):
    """Same work either way: one mail rendered and queued (the known one carries the link)."""
    make_user("anna@example.org")
    known = post_form(client, "/password/forgot", {"email": "anna@example.org"}, csrf_from="/password/forgot")
    unknown = post_form(client, "/password/forgot", {"email": "nobody@example.org"}, csrf_from="/password/forgot")
    assert text_of(known).replace("anna@example.org", "X") == text_of(unknown).replace("nobody@example.org", "X")
    assert [(m["To"], m["Subject"]) for m in mail] == [("anna@example.org", "Kies een nieuw wachtwoord"),
                                                       ("nobody@example.org", "Kies een nieuw wachtwoord")]
    assert "Er is geen actief account met dit adres." in mail[1].get_body(("plain",)).get_content()


# --- several workers share the counts ----------------------------------------------------------

WORKER = """
import sys
from pathlib import Path

from consult.extensions import db
from tests.conftest import build_app

folder, prefix, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
app = build_app(folder, SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'worker.db'}",
                REDIS_URL="redis://127.0.0.1:6379/0", RATELIMIT_KEY_PREFIX=prefix,
                RATELIMIT_TOKEN_LINK="3 per hour")
with app.app_context():
    db.create_all()
client = app.test_client()
print(" ".join(str(client.get("/verify/not-a-token").status_code) for _ in range(count)))
"""


def test_with_redis_the_limits_hold_across_worker_processes(tmp_path):
    """Two processes, as two gunicorn workers or two nodes: the second sees the first's count."""
    import os
    import subprocess
    import sys
    import uuid
    from pathlib import Path

    from tests.conftest import require_redis

    require_redis()
    from redis import Redis

    prefix = f"consult-test-{uuid.uuid4().hex}"
    root = Path(__file__).resolve().parents[1]

    def worker(name: str, count: int) -> str:
        folder = tmp_path / name
        folder.mkdir()
        done = subprocess.run([sys.executable, "-c", WORKER, str(folder), prefix, str(count)], cwd=root,
                              capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONPATH": str(root)})
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    redis = Redis.from_url("redis://127.0.0.1:6379/0")
    try:
        assert worker("first", 3) == "400 400 400"
        assert worker("second", 1) == "429"
    finally:
        for key in redis.scan_iter(f"*{prefix}*"):
            redis.delete(key)
        redis.close()

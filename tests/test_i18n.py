"""Dutch by default, English on request; every message translated; times in Europe/Amsterdam."""
from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.pofile import read_po
from flask_babel import force_locale, format_datetime

from consult.auth.models import User
from consult.extensions import db
from tests.conftest import login, make_user, post_form, text_of

ROOT = Path(__file__).resolve().parent.parent


def test_default_language_is_dutch(client):
    response = client.get("/login")
    html = response.get_data(as_text=True)
    assert '<html lang="nl"' in html
    assert "<title>Inloggen · Consult</title>" in html


def test_language_switch_to_english_and_back(client):
    response = post_form(client, "/language", {"language": "en", "next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en"' in html
    assert "<title>Log in · Consult</title>" in html
    assert 'value="nl" lang="nl"' in html  # the switch offers Dutch now
    post_form(client, "/language", {"language": "nl", "next": "/login"})
    assert '<html lang="nl"' in client.get("/login").get_data(as_text=True)


def test_unknown_language_is_ignored(client):
    post_form(client, "/language", {"language": "fr"})
    assert '<html lang="nl"' in client.get("/").get_data(as_text=True)


def test_language_choice_is_stored_on_the_account(app, client):
    user = make_user("anna@example.org")
    login(client, "anna@example.org")
    post_form(client, "/language", {"language": "en"})
    assert db.session.get(User, user.id).locale == "en"
    other_device = app.test_client()
    login(other_device, "anna@example.org")
    assert '<html lang="en"' in other_device.get("/account").get_data(as_text=True)


def test_english_error_messages(client):
    post_form(client, "/language", {"language": "en"})
    response = login(client, "nobody@example.org", "wrong password here")
    assert "The e-mail address or the password is not correct." in text_of(response)


def test_every_message_in_the_code_has_a_dutch_translation(tmp_path):
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", str(ROOT / "babel.cfg"),
         "-k", "_l", "-k", "lazy_gettext", "-k", "lazy_pgettext:1c,2", "--ignore-dirs", ".* __pycache__", "-o", str(pot),
         str(ROOT / "consult")],
        check=True, capture_output=True,
    )
    with pot.open("rb") as fh:
        extracted = {(m.id, m.context) for m in read_po(fh) if m.id}
    with (ROOT / "consult/translations/nl/LC_MESSAGES/messages.po").open("rb") as fh:
        catalogue = read_po(fh)
    translated = {(m.id, m.context) for m in catalogue
                  if m.id and "fuzzy" not in m.flags
                  and (all(m.string) if isinstance(m.string, tuple) else m.string)}
    assert sorted(map(str, extracted - translated)) == []


def test_times_are_shown_in_amsterdam_time(app):
    winter = datetime(2026, 1, 15, 16, 0, tzinfo=UTC)
    summer = datetime(2026, 7, 15, 15, 0, tzinfo=UTC)
    with app.test_request_context(), force_locale("nl"):
        assert format_datetime(winter, "HH:mm") == "17:00"
        assert format_datetime(summer, "HH:mm") == "17:00"
        assert format_datetime(winter, "EEEE d MMMM y") == "donderdag 15 januari 2026"

"""The right word in each language: one English word with two Dutch meanings, Dutch number and time
formats, and English that reads as English."""
from __future__ import annotations

import re
from datetime import datetime, timezone

import pytest
from flask_babel import force_locale

from consult.advice.models import Disposition
from consult.core.templating import format_datetime_minutes, format_file_size
from consult.demo import DEMO_PASSWORD, load_demo
from consult.extensions import db
from consult.strategy.models import DraftStatus
from tests.conftest import login, post_form, text_of
from tests.pages import CLOSED, OPEN

MOMENT = datetime(2026, 3, 4, 2, 42, 21, tzinfo=timezone.utc)


@pytest.fixture
def demo():
    load_demo()
    db.session.commit()


def client_for(app, email: str, language: str = "nl"):
    client = app.test_client()
    login(client, email, DEMO_PASSWORD)
    post_form(client, "/language", {"language": language})  # stored on the account: set it every time
    return client


@pytest.mark.parametrize(("locale", "expected"), [
    ("nl", ["1 byte", "598 bytes", "9,6\N{NO-BREAK SPACE}kB", "1\N{NO-BREAK SPACE}MB", "1,2\N{NO-BREAK SPACE}MB"]),
    ("en", ["1 byte", "598 bytes", "9.6\N{NO-BREAK SPACE}kB", "1\N{NO-BREAK SPACE}MB", "1.2\N{NO-BREAK SPACE}MB"]),
])
def test_file_size_follows_the_language(app, locale, expected):
    with app.test_request_context(), force_locale(locale):
        assert [format_file_size(n) for n in (1, 598, 9_600, 999_960, 1_234_567)] == expected


@pytest.mark.parametrize(("locale", "expected"), [
    ("nl", ["04-03-2026, 03:42", "4 mrt 2026, 03:42", "4 maart 2026, 03:42", "woensdag 4 maart 2026, 03:42", "03:42"]),
    ("en", ["3/4/26, 3:42\N{NARROW NO-BREAK SPACE}AM", "Mar 4, 2026, 3:42\N{NARROW NO-BREAK SPACE}AM",
            "March 4, 2026, 3:42\N{NARROW NO-BREAK SPACE}AM",
            "Wednesday, March 4, 2026, 3:42\N{NARROW NO-BREAK SPACE}AM", "03:42"]),
])
def test_date_and_time_are_shown_to_the_minute(app, locale, expected):
    with app.test_request_context(), force_locale(locale):
        assert [format_datetime_minutes(MOMENT, f) for f in ("short", "medium", "long", "full", "HH:mm")] == expected


def test_adopted_strategy_is_vastgesteld_and_adopted_input_overgenomen(app):
    with app.test_request_context(), force_locale("nl"):
        assert (DraftStatus.ADOPTED.label, Disposition.ADOPTED.label, DraftStatus.CONCEPT.label) == (
            "Vastgesteld", "Overgenomen", "Concept")
    with app.test_request_context(), force_locale("en"):
        assert (DraftStatus.ADOPTED.label, Disposition.ADOPTED.label, DraftStatus.CONCEPT.label) == (
            "Adopted", "Adopted", "Draft")


def test_team_menu_calls_the_report_verslag_and_a_post_is_gemeld(app, demo):
    team = client_for(app, "team@example.org")
    menu = re.search(r'<nav class="subnav".*?</nav>', team.get(f"/consultations/{OPEN}/manage").get_data(as_text=True), re.S)
    assert re.findall(r">(Verslag|Melden)</a>", menu.group(0)) == ["Verslag"]
    thread = client_for(app, "zorg1@example.org").get("/discussion/1").get_data(as_text=True)
    assert re.findall(r'/report">([^<]+)</a>', thread) == ["Melden"] * thread.count('/report">')
    assert thread.count('/report">') >= 1


def test_document_list_shows_dutch_file_sizes_and_no_seconds(app, demo):
    page = text_of(client_for(app, "team@example.org").get(f"/consultations/{OPEN}"))
    sizes = re.findall(r"\(PDF, ([^,]+(?:,\d)?[^,]*), (\d+ \w+ \d{4}, \d\d:\d\d(?::\d\d)?)\)", page)
    assert sizes and all(re.fullmatch(r"\d+ bytes|\d+(,\d)?\xa0[kMG]B", size) for size, _when in sizes)
    assert all(re.fullmatch(r"\d+ \w+ \d{4}, \d\d:\d\d", when) for _size, when in sizes)


def test_report_reads_draft_and_final_in_english(app, demo):
    team = client_for(app, "team@example.org", "en")
    assert " · Final, version 1 · " in text_of(team.get(f"/consultations/{CLOSED}/report"))
    draft = text_of(team.get(f"/consultations/{OPEN}/report"))
    assert " · Draft · " in draft and "Concept" not in draft


def test_analysis_heading_names_the_response_rate(app, demo):
    english = client_for(app, "team@example.org", "en").get(f"/consultations/{CLOSED}/analysis").get_data(as_text=True)
    dutch = client_for(app, "team@example.org").get(f"/consultations/{CLOSED}/analysis").get_data(as_text=True)
    heading = r'<h2 id="rates-title" class="utrecht-heading-2">([^<]+)</h2>'
    assert (re.search(heading, english).group(1), re.search(heading, dutch).group(1)) == ("Response rate", "Respons")


def test_evidence_names_the_kind_of_input_once(app, demo):
    team = client_for(app, "team@example.org")
    page = text_of(team.get(f"/consultations/{CLOSED}/strategy/evidence?part=general&q=Over+het+thema"))
    assert re.findall(r"Synthese: \w+", page) == ["Synthese: Cliënt", "Synthese: Dienstverlening",
                                                  "Synthese: Samenwerking"]


def test_advice_subject_choices_follow_the_language(app, demo):
    form = r'name="subject"[^>]*>\s*</div>\s*<div[^>]*><label[^>]*>([^<]+)</label>'
    english = client_for(app, "team@example.org", "en").get(f"/consultations/{OPEN}/advice").get_data(as_text=True)
    dutch = client_for(app, "team@example.org").get(f"/consultations/{OPEN}/advice").get_data(as_text=True)
    assert re.findall(form, english) == ["The consultation", "The procurement-strategy draft"]
    assert re.findall(form, dutch) == ["De consultatie", "Het concept van de inkoopstrategie"]

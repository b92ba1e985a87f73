"""The right word in each language: one English word with two Dutch meanings, Dutch number and time
formats, and English that reads as English."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from flask_babel import force_locale

from consult.advice.models import Disposition
from consult.core.mail import render_template_mail
from consult.core.sanitize import render_markdown
from consult.core.templating import (
    format_amount,
    format_clock,
    format_day,
    format_deadline,
    format_file_size,
    format_moment,
    format_number,
    formatting_examples,
)
from consult.demo import DEMO_PASSWORD
from consult.notify.models import Kind
from consult.notify.services import describe
from consult.responses import answers
from consult.responses.display import snapshot_value
from consult.strategy.models import DraftStatus
from tests.conftest import login, post_form, text_of
from tests.pages import CLOSED, OPEN

MOMENT = datetime(2026, 3, 4, 2, 42, 21, tzinfo=UTC)


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


NNBSP = "\N{NARROW NO-BREAK SPACE}"


@pytest.mark.parametrize(("locale", "expected"), [
    ("nl", ["woensdag 4 maart 2026 om 03:42", "4 mrt 2026, 03:42", "03:42", "4 maart 2026"]),
    ("en", [f"Wednesday, March 4, 2026 at 3:42{NNBSP}AM", f"Mar 4, 2026, 3:42{NNBSP}AM", f"3:42{NNBSP}AM",
            "March 4, 2026"]),
])
def test_each_kind_of_moment_has_one_style_to_the_minute(app, locale, expected):
    with app.test_request_context(), force_locale(locale):
        assert [format_deadline(MOMENT), format_moment(MOMENT), format_clock(MOMENT), format_day(MOMENT)] == expected
        assert format_day(MOMENT.date()) == expected[3]


def test_moments_are_shown_in_amsterdam_time_also_in_summer(app):
    summer = datetime(2026, 7, 1, 15, 0, tzinfo=UTC)
    with app.test_request_context(), force_locale("nl"):
        assert (format_deadline(summer), format_moment(summer), format_clock(summer)) == (
            "woensdag 1 juli 2026 om 17:00", "1 jul 2026, 17:00", "17:00")


def test_templates_use_the_named_date_filters_only():
    """|deadline, |moment, |clock and |day: the older |datetime('…'), |date and |local_date, and the
    deadline_text() global, chose a style per template."""
    templates = Path(__file__).resolve().parent.parent / "consult/templates"
    old = re.compile(r"\|\s*(?:datetime|date|local_date|format_datetime)\b|deadline_text\(")
    found = {str(p.relative_to(templates)): old.findall(p.read_text()) for p in templates.rglob("*.html")}
    assert {name: hits for name, hits in found.items() if hits} == {}


@pytest.mark.parametrize(("locale", "expected"), [
    ("nl", ["1.234.567,5", "45,5", "0,25", "100", "€\N{NO-BREAK SPACE}1.234,50", "€\N{NO-BREAK SPACE}45,00"]),
    ("en", ["1,234,567.5", "45.5", "0.25", "100", "€1,234.50", "€45.00"]),
])
def test_numbers_and_amounts_follow_the_language(app, locale, expected):
    with app.test_request_context(), force_locale(locale):
        assert [format_number(1_234_567.5), format_number(45.5), format_number(0.25), format_number(100),
                format_amount(1234.5), format_amount(45)] == expected


@pytest.mark.parametrize(("locale", "shown", "in_form"), [
    ("nl", ["1.234,50", "45,50", "100", "0,125"], ["1234,50", "45,50", "100", "0,125"]),
    ("en", ["1,234.50", "45.50", "100", "0.125"], ["1234.50", "45.50", "100", "0.125"]),
])
def test_number_answers_follow_the_language_and_read_back_the_same(app, locale, shown, in_form):
    values = [1234.5, 45.5, 100, 0.125]
    with app.test_request_context(), force_locale(locale):
        assert [answers.format_number(v) for v in values] == shown
        assert [answers.format_number(v, grouped=False) for v in values] == in_form
        assert [answers.parse_number(text) for text in in_form] == values
        # The stored and searched text of an answer is the same whoever submitted it.
        assert snapshot_value({"kind": "number", "value": 1234.5, "unit": "€ per uur"}) == "1234,50 € per uur"
        assert snapshot_value({"kind": "number", "value": 1234.5, "unit": "€ per uur"}, shown=True) == (
            f"€{'' if locale == 'en' else chr(0xA0)}{shown[0]} per uur")  # the euro sign before the amount


@pytest.mark.parametrize(("locale", "expected"), [
    ("nl", [1234, 1.234, 1234.56, 1234.56, 0.125, 45.5, 45.5]),
    ("en", [1.234, 1234, 1234.56, 1234.56, 0.125, 45.5, 45.5]),
])
def test_a_number_that_reads_two_ways_is_read_as_the_language_writes_it(app, locale, expected):
    with app.test_request_context(), force_locale(locale):
        assert [answers.parse_number(text) for text in
                ("1.234", "1,234", "1.234,56", "1,234.56", "0.125", "45,50", "45.50")] == expected


def test_a_wrong_number_names_an_example_in_the_language(app):
    for locale, example in (("nl", "45,50"), ("en", "45.50")):
        with app.test_request_context(), force_locale(locale):
            with pytest.raises(answers.AnswerError) as refused:
                answers.parse_number("veel")
            assert str(refused.value.message).endswith(f" {example}.")


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
    assert " · Draft Report of the whole consultation" in draft and "Concept" not in draft  # no date: not saved yet
    # The concept of a consultation still open says it is open; the published one that it was.
    assert "The consultation is open from " in draft and "The consultation was open from" not in draft
    assert "The consultation was open from " in text_of(team.get(f"/consultations/{CLOSED}/report"))


def test_analysis_heading_names_the_response_rate(app, demo):
    english = client_for(app, "team@example.org", "en").get(f"/consultations/{CLOSED}/analysis").get_data(as_text=True)
    dutch = client_for(app, "team@example.org").get(f"/consultations/{CLOSED}/analysis").get_data(as_text=True)
    heading = r'<h2 id="rates-title" class="utrecht-heading-2">([^<]+)</h2>'
    assert (re.search(heading, english).group(1), re.search(heading, dutch).group(1)) == ("Response rate", "Respons")


def test_evidence_names_the_kind_of_input_once(app, demo):
    team = client_for(app, "team@example.org")
    page = text_of(team.get(f"/consultations/{CLOSED}/strategy/evidence?part=general&q=Over+het+thema"))
    assert re.findall(r"Synthese: \w+", page) == ["Synthese: Cliënt", "Synthese: Dienstverlening",
                                                  "Synthese: Samenwerking", "Synthese: Kostprijzen"]


def test_advice_subject_choices_follow_the_language(app, demo):
    form = r'name="subject"[^>]*>\s*</div>\s*<div[^>]*><label[^>]*>([^<]+)</label>'
    english = client_for(app, "team@example.org", "en").get(f"/consultations/{OPEN}/advice").get_data(as_text=True)
    dutch = client_for(app, "team@example.org").get(f"/consultations/{OPEN}/advice").get_data(as_text=True)
    assert re.findall(form, english) == ["The consultation", "The procurement-strategy draft"]
    assert re.findall(form, dutch) == ["De consultatie", "Het concept van de inkoopstrategie"]


# --- one vocabulary ----------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parent.parent
GLOSSARY = ROOT / "consult/translations/README.md"
COMPILED = ROOT / "consult/translations/nl/LC_MESSAGES/messages.mo"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")


def forbidden_words() -> dict[str, str]:
    """The words of the glossary's last column, each with the word to use instead (its Dutch column).

    "antwoord *n*" stands for the word followed by a number: placeholders are read as a number.
    """
    table = re.search(r"\| English \(msgid\) \| Dutch \| not \|\n\|[-|]+\|\n((?:\|.*\|\n)+)", GLOSSARY.read_text())
    forbidden = {}
    for row in table.group(1).splitlines():
        _english, dutch, wrong = (cell.strip() for cell in row.strip("|").split("|"))
        for word in wrong.split(","):
            word = re.sub(r"\s*\(.*", "", word).strip()
            if word and word != "—":
                forbidden[word] = dutch
    return forbidden


def forbidden_in(text: str, words: dict[str, str]) -> list[str]:
    """The forbidden words in ``text`` (whole words, any case; a placeholder reads as a number)."""
    text = PLACEHOLDER.sub("6", text)
    found = []
    for word in words:
        pattern = r"\s+".join(re.escape(part) if part != "*n*" else r"\d+" for part in word.split())
        if re.search(rf"(?<![\w-]){pattern}(?![\w-])", text, re.I):
            found.append(word)
    return sorted(found)


def test_glossary_names_the_old_words():
    words = forbidden_words()
    assert {"discussie", "thread", "post", "item", "antwoord *n*", "notificatie", "deadline", "Markdown",
            "je", "inzenden"} <= set(words)
    assert words["discussie"] == "gesprek (gesprekken)" and words["antwoord *n*"] == "vraag *n*"


def test_check_finds_a_planted_old_word():
    """The check itself: the words of the old mails and notifications are found, the right ones not."""
    words = forbidden_words()
    assert forbidden_in("%(author)s schreef in de discussie “%(thread)s”.", words) == ["discussie"]
    assert forbidden_in("Antwoord %(n)s gepubliceerd voor “%(title)s”", words) == ["antwoord *n*"]
    assert forbidden_in("Beantwoord in item 3 · U kunt Markdown gebruiken · Reactie inzenden", words) == [
        "Markdown", "inzenden", "item"]
    assert forbidden_in("Vraag %(n)s van “%(title)s” is beantwoord. Het antwoord staat in het gesprek; "
                        "uw bericht, e-mail, de sluitingsdatum. Een Wmo-item", words) == []


def test_dutch_catalogue_uses_one_word_for_each_thing():
    from babel.messages.mofile import read_mo

    with COMPILED.open("rb") as fh:
        catalogue = read_mo(fh)
    words = forbidden_words()
    found = {}
    for message in catalogue:
        if not message.id:
            continue
        translations = message.string if isinstance(message.string, (list, tuple)) else [message.string]
        if hits := sorted({word for text in translations for word in forbidden_in(text or "", words)}):
            found[message.id if isinstance(message.id, str) else message.id[0]] = hits
    assert found == {}


NOTIFICATION_DATA = {
    "consultation": "Wmo Leidse regio", "org": "Zorg BV", "n": 6, "code": "ABCD-EFGH", "verify": "https://x/verify",
    "when": "2026-03-02T08:15:00+00:00", "closes_at": "2026-03-13T16:00:00+00:00", "reason": "Dubbel",
    "question": "Hoe lang is de reistijd?", "thread": "Reistijd", "author": "Anna", "days": 3,
    "due": "2026-04-01", "council": "Adviesraad Leiden",
}
VARIANTS = {  # the kinds whose text depends on one more field, with every value that field takes
    Kind.CHANGED: ("change", ["deadline", "questions"]),
    Kind.MODERATION: ("action", ["approved", "rejected", "thread_hidden", "hidden"]),
    Kind.ADVICE: ("event", ["requested", "strategy_shared", "receipt", "submitted", "published"]),
    Kind.WAITING: ("event", ["reported", "pending_thread", "pending", "question"]),
}


def every_notification() -> list[dict]:
    datas = []
    for kind in Kind:
        field, values = VARIANTS.get(kind, (None, [None]))
        for value in values:
            datas.append((kind, {**NOTIFICATION_DATA, **({field: value} if field else {})}))
    return datas


def test_notifications_and_their_mails_use_the_site_words(app):
    """Every notification, as the bell and its e-mail (alone and in the daily digest) say it in Dutch."""
    words = forbidden_words()
    user = SimpleNamespace(name="Anna de Vries", locale="nl")
    found = {}
    with app.test_request_context(), force_locale("nl"):
        described = [(kind, data, *describe(kind, data)) for kind, data in every_notification()]
        for kind, data, title, lines in described:
            mail = render_template_mail("notification", locale="nl", user=user, title=title, lines=lines,
                                        link="https://x/l", kind_label=kind.label, unsubscribe="https://x/u",
                                        settings="https://x/s")
            if hits := forbidden_in(" | ".join([title, *lines, kind.label, *mail]), words):
                found[f"{kind.value} {data.get('event') or data.get('action') or data.get('change') or ''}"] = hits
        digest = render_template_mail("digest", locale="nl", user=user, count=len(described), settings="https://x/s",
                                      groups={"Wmo Leidse regio": [(t, lines, "https://x/l") for *_, t, lines in described]})
        if hits := forbidden_in(" | ".join(digest), words):
            found["digest"] = hits
        qa_title = describe(Kind.QA, NOTIFICATION_DATA)[0]
    assert found == {}
    assert qa_title == "Vraag 6 van “Wmo Leidse regio” is beantwoord"  # as the Q&A page numbers it: "Vraag 6"


def test_mail_templates_write_no_words_outside_the_catalogue():
    """A mail template's own text (outside {{ }} and {% %}) would escape the catalogue check."""
    words = forbidden_words()
    found = {}
    for template in sorted((ROOT / "consult/templates/mail").iterdir()):
        literal = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|<[^>]+>", " ", template.read_text(), flags=re.S)
        if hits := forbidden_in(literal, words):
            found[template.name] = hits
    assert found == {}


# --- formatting help ---------------------------------------------------------------------------

LINK = '<a href="https://www.example.org" rel="nofollow noopener noreferrer">'
FORMATS = {
    "nl": [("*schuin*", "<p><em>schuin</em></p>"), ("**vet**", "<p><strong>vet</strong></p>"),
           ("- eerste punt\n- tweede punt", "<ul>\n<li>eerste punt</li>\n<li>tweede punt</li>\n</ul>"),
           ("1. eerste stap\n2. tweede stap", "<ol>\n<li>eerste stap</li>\n<li>tweede stap</li>\n</ol>"),
           ("[tekst van de link](https://www.example.org)", f"<p>{LINK}tekst van de link</a></p>")],
    "en": [("*italic*", "<p><em>italic</em></p>"), ("**bold**", "<p><strong>bold</strong></p>"),
           ("- first point\n- second point", "<ul>\n<li>first point</li>\n<li>second point</li>\n</ul>"),
           ("1. first step\n2. second step", "<ol>\n<li>first step</li>\n<li>second step</li>\n</ol>"),
           ("[text of the link](https://www.example.org)", f"<p>{LINK}text of the link</a></p>")],
}
HINT = re.compile(r'<details class="explanation formatting-help">\s*<summary>([^<]+)</summary>.*?</details>', re.S)
HINT_ROW = re.compile(r'<td class="utrecht-table__cell"><code>(.*?)</code></td>'
                      r'<td class="utrecht-table__cell rich-text">(.*?)\s*</td>', re.S)


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_formatting_examples_render_as_the_hint_promises(app, locale):
    """What the hint shows as the result is what the one sanitiser makes of the example."""
    with app.test_request_context(), force_locale(locale):
        assert [(example, str(render_markdown(example)).strip()) for example in formatting_examples()] == FORMATS[locale]


def hints_on(html: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """Each formatting hint on a page: its summary and its rows (typed, shown)."""
    return [(match.group(1), [(typed.replace("<br>", "\n"), shown) for typed, shown in HINT_ROW.findall(match.group(0))])
            for match in HINT.finditer(html)]


@pytest.mark.parametrize(("email", "path", "count"), [
    ("zorg1@example.org", f"/consultations/{OPEN}/discussion", 1),                # a new discussion
    ("zorg1@example.org", "/discussion/1", 1),                                      # a reply
    ("clientenraad@example.org", "/advice/2", 2),                                   # introduction and a new point
    ("team@example.org", f"/consultations/{CLOSED}/strategy/general", 2),           # principles and change tasks
    ("team@example.org", f"/consultations/{OPEN}/manage/details", 1),               # the introduction
    ("team@example.org", f"/consultations/{CLOSED}/analysis/questions/17", 1),      # the synthesis (its first question)
])
def test_every_formatted_text_field_explains_formatting_without_the_word_markdown(app, demo, email, path, count):
    page = client_for(app, email).get(path)
    html = page.get_data(as_text=True)
    expected = [(typed, shown) for typed, shown in FORMATS["nl"]]
    assert hints_on(html) == [("Opmaak: schuin, vet, lijstjes en links", expected)] * count
    assert "markdown" not in text_of(page).lower()


def test_a_number_written_in_a_template_follows_each_readers_language(app):
    """Jinja folds a filter on a literal into a constant while compiling; the language filters must not
    be folded, or the first reader's language sticks to the template for everyone after."""
    template = app.jinja_env.from_string("{{ 10000|number }} · {{ 1234567|filesizeformat }}")
    shown = []
    for locale in ("en", "nl"):
        with app.test_request_context(), force_locale(locale):
            shown.append(template.render())
    assert shown == ["10,000 · 1.2\N{NO-BREAK SPACE}MB", "10.000 · 1,2\N{NO-BREAK SPACE}MB"]

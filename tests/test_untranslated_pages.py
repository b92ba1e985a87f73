"""No English on a Dutch page: every main page type, as every role, rendered in Dutch.

A message that reaches the page untranslated shows its English msgid: it was translated too early
(``str()`` on a lazy string at import, outside any request), its translation is missing or fuzzy,
or a template prints an English text the catalogue knows without asking for it. This renders every
page of tests/pages.py in ``nl`` and looks for the English msgids of the catalogue in the text a
person reads or hears (the page text, the title, and the ``title``, ``aria-label``, ``alt``,
``placeholder`` and ``content`` attributes), and for English or machine formats: a clock with
seconds ("03:42:21"), a time-zone name ("Midden-Europese standaardtijd"), a decimal point in a file
size ("9.6 kB"), "Bytes". The same pages in English are checked for the time formats and for Dutch
dates and numbers ("4 mrt 2026", "9,6 kB"): every moment has one style per kind in both languages.

Which msgids count, so that a hit is English and not a word the two languages share:
- only msgids whose Dutch translation differs from them (not "Status", "Contact", "Privacy"),
  and that occur in no Dutch translation of the catalogue ("Log in" is also Dutch: "Log in om …");
- only msgids with at least two words outside their placeholders: a single English word ("Open",
  "Tag", "Team", "Concept") is often also Dutch or part of a Dutch text, two English words in a row
  are not. Placeholders (``%(name)s``) match any short text;
- matched case-sensitively, as whole words, with any run of white space for a space.
"""
from __future__ import annotations

import re
from functools import cache
from html import unescape
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from consult.demo import DEMO_PASSWORD
from tests.conftest import login, post_form
from tests.pages import ACCOUNTS, demo_pages

CATALOGUE = Path(__file__).resolve().parent.parent / "consult/translations/nl/LC_MESSAGES/messages.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
# A moment shown to the second or with a time-zone name, in any language ("03:42:21", "3:42:21 AM",
# "Central European Standard Time", "Midden-Europese zomertijd", "GMT+1", "CET").
TIME_FORMATS = (r"(?<![\d:])\d{1,2}:\d\d:\d\d(?![\d:])"
                r"|\b(?:Central|Midden-|West-|Coordinated|Greenwich)[\w -]*?(?:Time|tijd)\b"
                r"|\b(?:Standard|Summer|Daylight) Time\b|\b\w*(?:standaardtijd|zomertijd)\b"
                r"|\b(?:GMT|UTC)(?:[+-]\d{1,2}(?::?\d\d)?)?\b|\bCES?T\b")
# Formats that give an English or machine page away: the time formats, "9.6 kB", "598 Bytes".
FOREIGN_FORMATS = re.compile(rf"{TIME_FORMATS}|\b\d+\.\d+\s?[kMG]B\b|\bBytes\b")
# Formats that give a Dutch page away in English: a Dutch month, a decimal comma in a size or amount.
DUTCH_MONTHS = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november|december"
DUTCH_FORMATS = re.compile(rf"{TIME_FORMATS}|\b\d{{1,2}} (?:{DUTCH_MONTHS}|jan|feb|mrt|apr|jun|jul|aug|sep|okt|nov|dec)\b"
                           r"|\b\d+,\d+\s?(?:[kMG]B|bytes)\b|€\s?\d+(?:\.\d{3})*,\d\d\b")
ATTRIBUTES = re.compile(r'\s(?:title|aria-label|alt|placeholder|content)="([^"]*)"')


@cache
def english_phrases() -> dict[str, tuple[str, re.Pattern]]:
    """The msgids worth looking for (see the module's docstring): its longest literal part, its pattern."""
    with CATALOGUE.open("rb") as fh:
        catalogue = read_po(fh)
    dutch = " | ".join(" ".join(text.split()) for message in catalogue if message.id
                       for text in (message.string if isinstance(message.string, tuple) else (message.string,)))
    phrases = {}
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        translations = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            if msgid in translations:
                continue
            literal = PLACEHOLDER.split(msgid)
            if sum(len(re.findall(r"[^\W\d_]+", part)) for part in literal) < 2:
                continue
            pattern = r".{1,200}?".join(r"\s+".join(map(re.escape, part.split())) for part in literal)
            longest = " ".join(max(literal, key=len).split())
            compiled = re.compile(rf"(?<!\w){pattern}(?!\w)")
            if longest not in dutch or not compiled.search(dutch):
                phrases[msgid] = (longest, compiled)
    return phrases


def readable_text(html: str) -> str:
    """What a person reads or hears: the text without markup, and the spoken attributes."""
    spoken = " | ".join(unescape(value) for value in ATTRIBUTES.findall(html))
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    text = unescape(re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"\s+", " ", f"{text} | {spoken}")


def english_on(text: str, phrases: dict[str, tuple[str, re.Pattern]]) -> list[str]:
    """The msgids found in ``text`` (a plain substring test first keeps this fast)."""
    return sorted(msgid for msgid, (part, pattern) in phrases.items()
                  if part in text and pattern.search(text))


@pytest.mark.parametrize("role", list(ACCOUNTS))
def test_dutch_pages_show_no_english_msgid_or_format_as_role(app, demo, role):
    phrases = english_phrases()
    client = app.test_client()
    if ACCOUNTS[role]:
        login(client, ACCOUNTS[role], DEMO_PASSWORD)
    found = {}
    for path in demo_pages()[role]:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert '<html lang="nl"' in html, path
        text = readable_text(html)
        if english := english_on(text, phrases) + FOREIGN_FORMATS.findall(text):
            found[path] = english
    assert found == {}


@pytest.mark.parametrize("role", list(ACCOUNTS))
def test_english_pages_show_english_dates_and_numbers_to_the_minute_as_role(app, demo, role):
    """The same pages in English: moments without seconds or a time-zone name, and no Dutch date or
    number format (user text of the demo is Dutch, so only formats are checked, not words)."""
    client = app.test_client()
    client.set_cookie("consult_lang", "en")
    if ACCOUNTS[role]:
        login(client, ACCOUNTS[role], DEMO_PASSWORD)
        post_form(client, "/language", {"language": "en"})
    found = {}
    for path in demo_pages()[role]:
        response = client.get(path)
        assert response.status_code == 200, path
        html = response.get_data(as_text=True)
        assert '<html lang="en"' in html, path
        if foreign := DUTCH_FORMATS.findall(readable_text(html)):
            found[path] = foreign
    assert found == {}


def test_check_finds_english_between_dutch():
    """The check itself: a two-word msgid is found in a Dutch text, a shared word is not."""
    phrases = english_phrases()
    assert english_on("Advies over | The consultation | Het concept", phrases) == ["The consultation"]
    assert english_on("Status: Concept · Privacy · Contact · Log in om mee te praten", phrases) == []
    assert FOREIGN_FORMATS.findall("(PDF, 598 Bytes, 4 mrt 2026, 03:42:21) 9.6 kB · 9,6 kB · 03:42") == [
        "Bytes", "03:42:21", "9.6 kB"]
    assert FOREIGN_FORMATS.findall("4 mrt 2026, 03:42 · 13:00:00 Midden-Europese standaardtijd · 3:42 GMT+01:00 "
                                   "· 17:00 CET · Centraal bureau · UTCDateTime") == [
        "13:00:00", "Midden-Europese standaardtijd", "GMT+01:00", "CET"]
    assert DUTCH_FORMATS.findall("Mar 4, 2026, 3:42\u202fAM · 3:42:21\u202fAM Central European Standard Time · "
                                 "4 mrt 2026 · 2 maart 2026 · 9,6 kB · 9.6 kB · € 1.234,50 · €1,234.50 · 45,50") == [
        "3:42:21", "Central European Standard Time", "4 mrt", "2 maart", "9,6 kB", "€ 1.234,50"]

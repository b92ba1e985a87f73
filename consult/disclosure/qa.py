"""Questions and answers: the identity of whoever asked (:attr:`Protected.QA_ASKER`).

A question arrives in the asker's own words ("Wij van Zorg BV vragen ..."). Those words, the asking
organisation and the person stay between the asker's organisation and the project team. Everyone
else gets only the item as published: its number, theme, the question as the team published it and
the answer, and only once it is published (:func:`published_items_filter`, :func:`published_item`).

Before the team publishes, :func:`publication_warnings` names whatever in the text to be published
could still point at the asker: the organisation's name, the person's name, an e-mail address, a KvK
number, a phone number, the organisation's website, or the question copied word for word. Publishing
such a text needs the team's explicit confirmation of exactly those findings
(:func:`confirmation_code`), which ``consult.qa.services.publish`` enforces.
"""
from __future__ import annotations

import enum
import hashlib
import json
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import ColumnElement

from consult.consultations.models import Lot, Theme
from consult.consultations.permissions import is_team
from consult.disclosure import Audience, Protected
from consult.responses.permissions import responding_organisations

if TYPE_CHECKING:
    from consult.qa.models import QaItem

# The gate sits below Q&A and reads its items by their own attributes; an item's status is a string
# enum (consult.qa.models.QaStatus), so this compares equal to it and binds to it in SQL.
PUBLISHED = "published"

# Legal forms left out to find an organisation under its everyday name ("Geheime Zorg BV" -> "Geheime Zorg").
LEGAL_FORMS = {"bv", "b.v.", "nv", "n.v.", "vof", "v.o.f.", "ua", "u.a.", "stichting", "vereniging",
               "coöperatie", "cooperatie"}
# An everyday name is only a marker when it is distinctive enough: two words or more, or a long word
# ("Stichting Zorg" -> "Zorg" would flag every question about care).
SHORT_NAME_MIN_LENGTH = 6

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# Dutch numbers: 0 and nine digits (06-12345678, 071 123 45 67) or +31/0031 and nine digits,
# with spaces, dots or dashes anywhere between the digits.
PHONE = re.compile(r"(?<![\w+])(?:(?:\+|00)31[\s.-]?(?:\(0\)[\s.-]?)?|0)(?:\d[\s.-]?){8}\d(?!\d)")
KVK_LIKE = re.compile(r"(?<!\d)\d{8}(?!\d)")


class Marker(enum.StrEnum):
    """What a finding in a text to be published points at."""

    ORGANISATION = "organisation"
    PERSON = "person"
    EMAIL = "email"
    KVK = "kvk"
    PHONE = "phone"
    WEBSITE = "website"
    VERBATIM = "verbatim"


MESSAGES = {
    Marker.ORGANISATION: _l("Name of the organisation that asked: %(found)s"),
    Marker.PERSON: _l("Name of the person who asked: %(found)s"),
    Marker.EMAIL: _l("E-mail address: %(found)s"),
    Marker.KVK: _l("KvK number: %(found)s"),
    Marker.PHONE: _l("Phone number: %(found)s"),
    Marker.WEBSITE: _l("Website of the organisation that asked: %(found)s"),
    Marker.VERBATIM: _l("Word for word the question as asked"),
}


class Where(enum.StrEnum):
    """Which of the published texts a finding is in."""

    QUESTION = "question"
    ANSWER = "answer"


@dataclass(frozen=True)
class IdentityWarning:
    """One thing in a text to be published that could show who asked; ``str()`` is the message."""

    marker: Marker
    found: str
    where: Where = Where.QUESTION

    def __str__(self) -> str:
        if self.marker == Marker.VERBATIM:
            return str(MESSAGES[self.marker])
        return str(MESSAGES[self.marker]) % {"found": self.found}


@dataclass(frozen=True)
class PublishedItem:
    """A Q&A item as anyone outside the team may see it: nothing about who asked or how."""

    number: int
    theme: Theme | None
    question: str
    answer: str
    published_at: datetime
    lot: Lot | None = None  # the lot it is about, if any


# --- who sees what ---------------------------------------------------------------------------------

def asker_withheld(item: QaItem, user) -> Protected | None:
    """Why the question as asked and who asked it may not be shown to this person (None: they may).
    Only the project team and the asker's own organisation see them."""
    if is_team(user, item.consultation):
        return None
    if item.asker_organisation_id is not None and item.asker_organisation_id in {
            org.id for org in responding_organisations(user)}:
        return None
    return Protected.QA_ASKER


def may_see_asker(item: QaItem, user) -> bool:
    return asker_withheld(item, user) is None


def published_items_filter(item) -> ColumnElement[bool]:
    """The SQL condition on ``item`` (the QaItem entity) for items that may leave the team:
    published ones only."""
    return item.status == PUBLISHED


def published_item(item: QaItem) -> PublishedItem | None:
    """The item as published, or None while it is not: the one shape outputs outside the team get."""
    if item.status != PUBLISHED:
        return None
    return PublishedItem(number=item.number, theme=item.theme, question=item.question, answer=item.answer,
                         published_at=item.published_at, lot=item.lot)


def published_question(item: QaItem, audience: Audience) -> str | None:
    """The question text an audience may see: the team sees its working text, everyone else only the
    text the team published (never the question as asked), and nothing before publication."""
    if audience == Audience.TEAM:
        return item.question
    shown = published_item(item)
    return shown.question if shown else None


# --- what could show who asked -----------------------------------------------------------------------

def _fold(text: str) -> str:
    """Lower case without accents, one character for one, so a match's position holds in the original."""
    folded = []
    for char in text:
        plain = unicodedata.normalize("NFKD", char)
        plain = "".join(c for c in plain if not unicodedata.combining(c)) or char
        plain = plain.lower()
        folded.append(plain if len(plain) == 1 else char)
    return "".join(folded)


def _digits(number: str) -> str:
    """A Dutch phone number in one form: 0612345678 for 06-12345678, +31 6 1234 5678 and 0031 (0)6 ..."""
    digits = re.sub(r"\D", "", number)
    for prefix in ("0031", "31"):
        if number.lstrip().startswith(("+", "00")) and digits.startswith(prefix):
            digits = "0" + digits[len(prefix):].removeprefix("0")
            break
    return digits


def _everyday_name(name: str) -> str | None:
    words = [w for w in name.split() if w.casefold() not in LEGAL_FORMS]
    short = " ".join(words)
    if short == name.strip() or not short:
        return None
    return short if len(words) > 1 or len(short) >= SHORT_NAME_MIN_LENGTH else None


def _website_host(website: str | None) -> str | None:
    if not website:
        return None
    host = urlsplit(website if "//" in website else "//" + website).hostname or ""
    host = host.removeprefix("www.")
    return host or None


def _asker_markers(item: QaItem) -> list[tuple[Marker, str]]:
    markers: list[tuple[Marker, str]] = []
    organisation, person = item.asker_organisation, item.asked_by
    if organisation is not None:
        markers.append((Marker.ORGANISATION, organisation.name))
        short = _everyday_name(organisation.name)
        if short:
            markers.append((Marker.ORGANISATION, short))
        if organisation.kvk_number:
            markers.append((Marker.KVK, organisation.kvk_number))
        host = _website_host(organisation.website)
        if host:
            markers.append((Marker.WEBSITE, host))
    if person is not None and person.erased_at is None:
        markers.append((Marker.PERSON, person.name))
        markers.append((Marker.EMAIL, person.email))
    asked = item.asked_text or ""
    markers += [(Marker.EMAIL, m.group()) for m in EMAIL.finditer(asked)]
    phones = list(PHONE.finditer(asked))
    markers += [(Marker.PHONE, m.group().strip()) for m in phones]
    markers += [(Marker.KVK, m.group()) for m in KVK_LIKE.finditer(_blank(asked, phones))]
    seen, unique = set(), []
    for marker, value in markers:
        if value and (marker, _fold(value)) not in seen:
            seen.add((marker, _fold(value)))
            unique.append((marker, value))
    return unique


def identity_markers(item: QaItem) -> list[str]:
    """Everything known that points at whoever asked: the organisation's name (also without its legal
    form), KvK number and website, the person's name and e-mail address, and the e-mail addresses,
    phone numbers and KvK numbers written in the question as asked."""
    return [value for _marker, value in _asker_markers(item)]


def _blank(text: str, matches: Iterable[re.Match]) -> str:
    """The text with the matched spans replaced by spaces (positions kept)."""
    chars = list(text)
    for match in matches:
        chars[match.start():match.end()] = " " * (match.end() - match.start())
    return "".join(chars)


def _word_pattern(value: str) -> re.Pattern:
    words = [re.escape(w) for w in _fold(value).split()]
    return re.compile(r"(?<!\w)" + r"\s+".join(words) + r"(?!\w)")


def _number_pattern(number: str) -> re.Pattern:
    return re.compile(r"(?<!\d)" + r"[\s.-]?".join(re.escape(d) for d in number) + r"(?!\d)")


def _findings(text: str, item: QaItem, *, any_contact: bool) -> list[tuple[int, int, Marker]]:
    """Spans of the text that point at the asker; with ``any_contact`` also every e-mail address,
    phone number and KvK-like number, whoever it belongs to."""
    folded = _fold(text)
    spans: list[tuple[int, int, Marker]] = []
    markers = _asker_markers(item)
    phones = {_digits(value) for marker, value in markers if marker == Marker.PHONE}
    for marker, value in markers:
        if marker in (Marker.ORGANISATION, Marker.PERSON, Marker.WEBSITE, Marker.EMAIL):
            pattern = _word_pattern(value) if marker != Marker.EMAIL else re.compile(
                r"(?<![\w.+-])" + re.escape(_fold(value)) + r"(?![\w-])")
            spans += [(m.start(), m.end(), marker) for m in pattern.finditer(folded)]
        elif marker == Marker.KVK:
            spans += [(m.start(), m.end(), marker) for m in _number_pattern(value).finditer(text)]
    phone_matches = list(PHONE.finditer(text))
    spans += [(m.start(), m.end(), Marker.PHONE) for m in phone_matches
              if any_contact or _digits(m.group()) in phones]
    if any_contact:
        spans += [(m.start(), m.end(), Marker.EMAIL) for m in EMAIL.finditer(text)]
        spans += [(m.start(), m.end(), Marker.KVK) for m in KVK_LIKE.finditer(_blank(text, phone_matches))]
    # Longest first, then drop spans inside one already found (a name inside the full name, an
    # address's domain inside the address); report in reading order.
    spans.sort(key=lambda s: (s[0], -(s[1] - s[0])))
    kept: list[tuple[int, int, Marker]] = []
    for span in spans:
        if not any(k[0] <= span[0] and span[1] <= k[1] for k in kept):
            kept.append(span)
    return kept


def identity_warnings(text: str, item: QaItem) -> list[IdentityWarning]:
    """What in a question to be published could show who asked: the asker's markers
    (:func:`identity_markers`) and any e-mail address, Dutch phone number or KvK-like number at all."""
    text = text or ""
    return [IdentityWarning(marker, text[start:end].strip())
            for start, end, marker in _findings(text, item, any_contact=True)]


def _same_words(a: str, b: str) -> bool:
    return " ".join(_fold(a).split()) == " ".join(_fold(b).split())


def publication_warnings(item: QaItem, question: str, answer: str) -> list[IdentityWarning]:
    """Everything to check before publishing this question and answer: the question as checked by
    :func:`identity_warnings`, the question copied word for word from the question as asked, and the
    asker's own markers in the answer (the team's contact details there are no warning)."""
    warnings = identity_warnings(question, item)
    if item.asked_text and (question or "").strip() and _same_words(question, item.asked_text):
        warnings.insert(0, IdentityWarning(Marker.VERBATIM, "", Where.QUESTION))
    answer = answer or ""
    warnings += [IdentityWarning(marker, answer[start:end].strip(), Where.ANSWER)
                 for start, end, marker in _findings(answer, item, any_contact=False)]
    return warnings


def confirmation_code(warnings: Sequence[IdentityWarning]) -> str:
    """A short code for exactly these findings: a confirmation given for other findings does not count."""
    payload = json.dumps([[w.where.value, w.marker.value, w.found] for w in warnings], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]

"""Reading an answer from a form and showing it again, per question kind.

``parse_answer`` turns the submitted form values into the stored value or a message for the
person; it never raises for bad input. Text is stored exactly as typed (NUL bytes removed, as
databases refuse them); rendering escapes it, and the sanitiser drops bidi and zero-width
characters from anything shown as rich text.
"""
from __future__ import annotations

import re
from typing import Any

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from consult.consultations.models import Question, QuestionKind
from consult.core.refused import Refused

MAX_ANSWER_LENGTH = 10_000


class AnswerError(Refused):
    pass


def field_name(question: Question) -> str:
    return f"q-{question.id}"


def _clean_text(text: str) -> str:
    return text.replace("\x00", "").replace("\r\n", "\n")


_PLAIN = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_GROUPED = re.compile(r"^[+-]?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?$")     # 1.234,56
_GROUPED_EN = re.compile(r"^[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$")  # 1,234.56
MAX_MAGNITUDE = 1e9
DECIMALS = 6


def _language() -> str:
    """The reader's language; Dutch outside a request (commands, property tests)."""
    locale = get_locale()
    return locale.language if locale else "nl"


def parse_number(raw: str) -> float:
    """Dutch and international notation: 45,50 · 45.50 · 1.234,56 · 1,234.56 · 1234.

    A number that reads two ways is read as the reader's language writes it: '1.234' is 1234 in
    Dutch and 1.234 in English, '1,234' is 1,234 in Dutch and 1234 in English.
    """
    text = raw.strip().replace(" ", "").replace("\u00a0", "").replace("€", "")
    english = _language() == "en"
    if _GROUPED.match(text) and (not english or "," in text):
        text = text.replace(".", "").replace(",", ".")
    elif _GROUPED_EN.match(text) and (english or "." in text):
        text = text.replace(",", "")
    elif _PLAIN.match(text):
        text = text.replace(",", ".")
    else:
        raise AnswerError(_l("Enter a number, like %(example)s.", example=format_number(45.5)))
    value = round(float(text), DECIMALS)
    if abs(value) >= MAX_MAGNITUDE:
        raise AnswerError(_l("Enter a number smaller than one billion."))
    return value + 0.0  # no negative zero


def parse_answer(question: Question, values: list[str]) -> Any:
    """The value to store for ``question`` from the form's values for it; raises AnswerError."""
    first = values[0] if values else ""
    kind = question.kind
    if kind == QuestionKind.OPEN:
        text = _clean_text(first)
        if len(text) > MAX_ANSWER_LENGTH:
            raise AnswerError(_l("Your answer is %(n)d characters long; the maximum is %(max)d. "
                                 "Shorten it, or add a document to a file question.",
                                 n=len(text), max=MAX_ANSWER_LENGTH))
        return text if text.strip() else None
    if kind == QuestionKind.SINGLE:
        if not first:
            return None
        if first not in question.options:
            raise AnswerError(_l("Choose one of the options."))
        return first
    if kind == QuestionKind.MULTIPLE:
        chosen = [v for v in values if v]
        if any(v not in question.options for v in chosen):
            raise AnswerError(_l("Choose from the options given."))
        return [o for o in question.options if o in chosen] or None
    if kind == QuestionKind.SCALE:
        if not first:
            return None
        if first not in {"1", "2", "3", "4", "5"}:
            raise AnswerError(_l("Choose a value from 1 to 5."))
        return int(first)
    if kind == QuestionKind.NUMBER:
        if not first.strip():
            return None
        value = parse_number(first)
        if question.min_value is not None and value < question.min_value:
            raise AnswerError(_l("Enter a number of at least %(min)s.", min=format_number(question.min_value)))
        if question.max_value is not None and value > question.max_value:
            raise AnswerError(_l("Enter a number of at most %(max)s.", max=format_number(question.max_value)))
        return value
    return None  # file questions keep their files as attachments


def _number_pattern(value: float, grouped: bool) -> str:
    # A whole number shows none, otherwise at least two decimals: 45,5 reads better as 45,50.
    whole = "#,##0" if grouped else "0"
    return whole if float(value).is_integer() else whole + ".00" + "#" * (DECIMALS - 2)


def format_number(value: float | None, grouped: bool = True) -> str:
    """A stored number in the reader's language (Babel): nl '1.234,50', en '1,234.50'; 100 → '100'.

    ``grouped=False`` leaves out the thousands separator, for a form field: parse_number reads
    '1234,50' and '1234.50' alike but would take the English '1,234.50' for something else.
    """
    if value is None:
        return ""
    return format_decimal(value, format=_number_pattern(value, grouped), locale=_language())


def canonical_number(value: float | None) -> str:
    """A stored number as one fixed text whatever the reader's language ('1234,50'): the text of an
    answer that is stored and searched, so it does not depend on who submitted it."""
    if value is None:
        return ""
    return format_decimal(value, format=_number_pattern(value, grouped=False), locale="nl")


def form_value(question: Question, value: Any) -> str | list[str]:
    """The stored value as the form shows it again."""
    if value is None:
        return [] if question.kind == QuestionKind.MULTIPLE else ""
    if question.kind == QuestionKind.NUMBER:
        return format_number(value, grouped=False)
    if question.kind == QuestionKind.SCALE:
        return str(value)
    return value


def display_value(question: Question, value: Any) -> str:
    """The stored value as one line of text for review pages and receipts."""
    if value in (None, "", []):
        return ""
    if question.kind == QuestionKind.MULTIPLE:
        return "; ".join(value)
    if question.kind == QuestionKind.NUMBER:
        return f"{format_number(value)} {question.unit}".strip()
    return str(value)

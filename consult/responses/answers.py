"""Reading an answer from a form and showing it again, per question kind.

``parse_answer`` turns the submitted form values into the stored value or a message for the
person; it never raises for bad input. Text is stored exactly as typed (NUL bytes removed, as
databases refuse them); rendering escapes it, and the sanitiser drops bidi and zero-width
characters from anything shown as rich text.
"""
from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from consult.consultations.models import Question, QuestionKind
from consult.core.numbers import NumberRefused, canonical_number, format_number  # noqa: F401  (used from here)
from consult.core.numbers import parse_number as read_number
from consult.core.refused import Refused

MAX_ANSWER_LENGTH = 10_000


class AnswerError(Refused):
    pass


def field_name(question: Question) -> str:
    return f"q-{question.id}"


def _clean_text(text: str) -> str:
    return text.replace("\x00", "").replace("\r\n", "\n")


def parse_number(raw: str) -> float:
    """A number as people write it (consult.core.numbers.parse_number); raises AnswerError."""
    try:
        return read_number(raw)
    except NumberRefused as refused:
        raise AnswerError(refused.message) from None


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

"""Numbers as people write them, in Dutch or English notation, read into one stored value."""
from __future__ import annotations

import re

from babel.numbers import format_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from consult.core.refused import Refused


class NumberRefused(Refused):
    pass


_PLAIN = re.compile(r"^[+-]?\d+(?:[.,]\d+)?$")
_GROUPED = re.compile(r"^[+-]?[1-9]\d{0,2}(?:\.\d{3})+(?:,\d+)?$")     # 1.234,56
_GROUPED_EN = re.compile(r"^[+-]?[1-9]\d{0,2}(?:,\d{3})+(?:\.\d+)?$")  # 1,234.56
MAX_MAGNITUDE = 1e9
DECIMALS = 6


def language() -> str:
    """The reader's language; Dutch outside a request (commands, property tests)."""
    locale = get_locale()
    return locale.language if locale else "nl"


def parse_number(raw: str) -> float:
    """Dutch and international notation: 45,50 · 45.50 · 1.234,56 · 1,234.56 · 1234.

    A number that reads two ways is read as the reader's language writes it: '1.234' is 1234 in
    Dutch and 1.234 in English, '1,234' is 1,234 in Dutch and 1234 in English.
    """
    text = raw.strip().replace(" ", "").replace("\u00a0", "").replace("€", "")
    english = language() == "en"
    if _GROUPED.match(text) and (not english or "," in text):
        text = text.replace(".", "").replace(",", ".")
    elif _GROUPED_EN.match(text) and (english or "." in text):
        text = text.replace(",", "")
    elif _PLAIN.match(text):
        text = text.replace(",", ".")
    else:
        raise NumberRefused(_l("Enter a number, like %(example)s.", example=format_number(45.5)))
    value = round(float(text), DECIMALS)
    if abs(value) >= MAX_MAGNITUDE:
        raise NumberRefused(_l("Enter a number smaller than one billion."))
    return value + 0.0  # no negative zero




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
    return format_decimal(value, format=_number_pattern(value, grouped), locale=language())


def with_unit(number: str, unit: str | None) -> str:
    """A formatted number with the unit a question gives: "12 uur per week", and a unit that starts
    with the euro sign before the number: "€ 67,50 per uur" (not "67,50 € per uur"); English writes
    the sign against the number: "€67.50 per hour"."""
    unit = (unit or "").strip()
    if not number or not unit:
        return number
    if unit.startswith("€"):
        rest = unit[1:].strip()
        space = "" if not rest or rest[0] in "/,.;:)" else " "  # "€ 67,50/uur", "€ 67,50 per uur"
        sign = "€" if language() == "en" else "€\N{NO-BREAK SPACE}"
        return f"{sign}{number}{space}{rest}"
    return f"{number} {unit}"


def canonical_number(value: float | None) -> str:
    """A stored number as one fixed text whatever the reader's language ('1234,50'): the text of an
    answer that is stored and searched, so it does not depend on who submitted it."""
    if value is None:
        return ""
    return format_decimal(value, format=_number_pattern(value, grouped=False), locale="nl")

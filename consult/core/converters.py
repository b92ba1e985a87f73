"""URL converters shared by every blueprint."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

# Ids are INTEGER columns: 32-bit signed on PostgreSQL (SQLite allows 64 bits), so nothing larger
# can exist in either database.
DATABASE_INT_MAX = 2**31 - 1


def digits_at_most(limit: int) -> str:
    """A regular expression for the decimal numbers from 0 to ``limit``: numbers with fewer
    digits, then per position a smaller digit after the same beginning, then ``limit`` itself."""
    text = str(limit)
    parts = [f"[0-9]{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for position, digit in enumerate(text):
        if digit != "0":
            rest = len(text) - position - 1
            parts.append(f"{text[:position]}[0-{int(digit) - 1}]" + (f"[0-9]{{{rest}}}" if rest else ""))
    parts.append(text)
    return "(?:" + "|".join(parts) + ")"


class DatabaseIntConverter(IntegerConverter):
    """``<int:…>`` limited to what an INTEGER column can hold. A larger number in a URL is a page
    that cannot exist: the path does not match, so it answers 404 before any view runs, instead of
    reaching the database (SQLite raises OverflowError past 64 bits, which was a 500). The limit is
    in the pattern itself, not only checked after matching: a URL whose GET and POST rules differ
    would otherwise answer 405 for the method whose rule failed the check."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None,  # noqa: A002 (werkzeug's names)
                 max: int | None = None, signed: bool = False) -> None:
        bound = DATABASE_INT_MAX if max is None or max > DATABASE_INT_MAX else max
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=bound, signed=signed)
        if not fixed_digits and not signed:
            self.regex = digits_at_most(bound)

"""Spreadsheet cells: the one formula escaping for every CSV and XLSX the platform writes."""
from __future__ import annotations

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value) -> str:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text

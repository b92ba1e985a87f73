"""Shared form pieces: field filters and validators used by several features."""
from __future__ import annotations

from flask import request
from wtforms import FieldList, IntegerField
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput

from consult.core.converters import DATABASE_INT_MAX


def strip(value):
    return value.strip() if isinstance(value, str) else value


def digits_only(value):
    """'12 34 56 78' → '12345678' (people type KvK numbers with spaces and dots)."""
    if isinstance(value, str):
        return "".join(ch for ch in value if not ch.isspace() and ch != ".")
    return value


def db_int(value) -> int | None:
    """``value`` (posted or query-string text, or a number) as a number an INTEGER column can hold,
    0 to ``DATABASE_INT_MAX``; None for anything else: not a whole number, negative, or larger. No
    row has such a number, and it must not reach a query: SQLite raises OverflowError past 64 bits
    and PostgreSQL "integer out of range" past 32, which were 500s. Usable as a field's ``coerce``."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        # ASCII digits only ("²".isdigit() is true, int() refuses it); the length check keeps
        # int() away from texts of thousands of digits.
        if not (text.isascii() and text.isdigit()) or len(text.lstrip("0")) > len(str(DATABASE_INT_MAX)):
            return None
        value = int(text)
    if not isinstance(value, int):
        return None
    return value if 0 <= value <= DATABASE_INT_MAX else None


class DatabaseIntField(IntegerField):
    """A number sent by a form (mostly a hidden row id or version) that reaches a query. Like
    ``IntegerField``, an empty value reads as none and a value that is not a number as none with
    the field's error; a number outside what the database holds (:func:`db_int`) is treated as
    one that is not a number."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] in ("", None):
            return
        self.data = db_int(valuelist[0])
        if self.data is None:
            raise ValueError(self.gettext("Not a valid integer value."))


def hidden_id(**kwargs) -> DatabaseIntField:
    """A row's number (or a version) in a hidden field; empty or not one reads as none."""
    return DatabaseIntField(widget=HiddenInput(), validators=kwargs.pop("validators", [Optional()]), **kwargs)


def arg_int(name: str, default: int | None = None) -> int | None:
    """A number from the query string that is used in a query (a filter's id, a version):
    ``default`` when it is missing or is not a number the database can hold (:func:`db_int`)."""
    number = db_int(request.args.get(name))
    return default if number is None else number


class RowList(FieldList):
    """A list of rows (``name-0-field``, ``name-1-field``, …) whose posted row numbers are read as
    :func:`db_int` reads a number: a key such as ``name-²-field`` ("²".isdigit() is true, int()
    refuses it) or one of thousands of digits is no row, not a 500. At most ``max_entries`` rows."""

    def __init__(self, *args, max_entries: int = 200, **kwargs):
        super().__init__(*args, max_entries=max_entries, **kwargs)

    def _extract_indices(self, prefix, formdata):
        offset = len(prefix) + 1
        for key in formdata:
            if key.startswith(prefix):
                index = db_int(key[offset:].split(self._field_separator, 1)[0])
                if index is not None:
                    yield index

"""Shared form pieces: field filters and validators used by several features."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import ValidationError

from consult.auth.passwords import password_problem


def strip(value):
    return value.strip() if isinstance(value, str) else value


def digits_only(value):
    """'12 34 56 78' → '12345678' (people type KvK numbers with spaces and dots)."""
    if isinstance(value, str):
        return "".join(ch for ch in value if not ch.isspace() and ch != ".")
    return value


class PasswordPolicy:
    """Apply the password policy (length, not a common password)."""

    def __call__(self, form, field):
        problem = password_problem(field.data or "")
        if problem:
            raise ValidationError(problem)


class EqualToPassword:
    def __init__(self, other: str):
        self.other = other

    def __call__(self, form, field):
        if field.data != form[self.other].data:
            raise ValidationError(_l("The two passwords are not the same."))

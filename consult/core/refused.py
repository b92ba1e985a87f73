"""One way to say no: a service refuses with a message for the person, the view rolls back and
shows it on the form.

Services raise a subclass of :class:`Refused` (one per feature, so a view catches only its own);
nothing they began is kept once the view calls :func:`refuse_on`.
"""
from __future__ import annotations

from flask import flash

from consult.extensions import db


class Refused(Exception):
    """A change that is not made. ``message`` is for the person (a lazy string is fine); ``field``
    names the form field it is about, when there is one."""

    def __init__(self, message, field: str | None = None):
        super().__init__(str(message))
        self.message = message
        self.field = field


def refuse_on(field, refused: Refused) -> None:
    """Roll back what the refused action began and show its message under ``field`` (a WTForms
    field); the form keeps what was typed."""
    db.session.rollback()
    field.errors = [*field.errors, str(refused.message)]


def flash_refused(refused: Refused) -> None:
    """Roll back what the refused action began and say why at the top of the page it returns to
    (for a button without a form field of its own)."""
    db.session.rollback()
    flash(str(refused.message), "error")

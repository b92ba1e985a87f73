"""What a person is told when a save was refused because someone else saved the same text first
(see "No write is ever lost" in the design): the form keeps their text, the page shows the other."""
from __future__ import annotations

from flask import request
from flask_babel import lazy_gettext as _l

from consult.core.forms import db_int
from consult.extensions import db

STALE_SAVE = _l("Someone else saved this text in the meantime, so this change was not saved. The saved "
                "version is shown below and the text in the form is kept. Combine the two and save again.")


def form_version(name: str = "version") -> int | None:
    """The version a submitted form started from; None when the form did not carry one, or not a
    number a saved version can have (the service then checks against the version it loads)."""
    return db_int(request.form.get(name))


def restart_from(field, version: int) -> None:
    """Make a form's hidden version field carry ``version`` (the one stored now). Setting only
    ``data`` is not enough: a field shows what was submitted while it has ``raw_data``."""
    field.data, field.raw_data = version, [str(version)]


def keep_on_conflict(field, version_field, stored, attribute: str = "version", message=STALE_SAVE) -> None:
    """A save refused because someone else saved first: roll back what it began, say so under
    ``field`` (the form keeps what was typed) and let the form start again from the version stored
    now (``stored``'s ``attribute``, read after the rollback so it is the database's)."""
    db.session.rollback()
    field.errors = [*field.errors, str(message)]
    restart_from(version_field, getattr(stored, attribute))

"""Report forms: the texts the team writes for the report. Forms validate; services save (and check again)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField, ValidationError

from consult.reports.services import MAX_TEXT, clean_text


class _AtMost:
    """At most ``limit`` characters, counted as the service stores the text (trimmed, without NUL)."""

    def __init__(self, limit: int):
        self.limit = limit

    def __call__(self, form, field):
        if len(clean_text(field.data)) > self.limit:
            raise ValidationError(_l("Use at most %(n)d characters.", n=self.limit))


def _text(label) -> TextAreaField:
    # Not trimmed here: the form shows the text as typed; the service trims what it stores.
    return TextAreaField(label, validators=[_AtMost(MAX_TEXT)], render_kw={"rows": 6})


class ReportTextsForm(FlaskForm):
    """The report's own texts; everything else in the report comes from the data."""

    summary = _text(_l("Summary"))
    introduction = _text(_l("Introduction"))
    next_steps = _text(_l("Next steps"))
    # Which of the two submit buttons was pressed: "publish", otherwise the texts are only saved. (The
    # texts version the form started from is read by ``consult.core.conflicts.form_version``.)
    action = StringField(default="save")

    @property
    def publishing(self) -> bool:
        return self.action.data == "publish"

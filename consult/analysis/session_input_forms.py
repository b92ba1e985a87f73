"""The buttons on a minutes point or a written input in the analysis (consult.analysis.session_input)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField

from consult.analysis.forms import _id


class SessionInputActionForm(FlaskForm):
    """Tag the point or input (``kind`` "point" or "input", ``entry`` its number), mark a key quote
    (the excerpt as typed, ``at`` where it was selected), or remove one of its tags or quotes."""

    action = HiddenField()
    kind = HiddenField()
    entry = _id()
    tag = _id()
    coding = _id()
    quote = _id()
    excerpt = TextAreaField()
    at = _id()

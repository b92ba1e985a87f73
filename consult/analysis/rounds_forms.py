"""The form of a key quote taken from an earlier round's answer (consult.analysis.rounds)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, TextAreaField
from wtforms.validators import InputRequired, Length

from consult.analysis.forms import QuestionActionForm


class EarlierQuoteForm(QuestionActionForm):
    """Mark a part of an earlier round's answer (``answer``: its key) as a key quote of this round."""

    answer = HiddenField()
    excerpt = TextAreaField(_l("Key quote"), validators=[
        InputRequired(_l("Copy the part of the answer you want to quote.")), Length(max=10000)])

    def page_errors(self) -> dict[str, str]:
        if self.excerpt.errors:
            return {f"earlier-excerpt-{self.answer.data or ''}": str(self.excerpt.errors[0])}
        return super().page_errors()

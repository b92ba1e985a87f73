"""Questions-and-answers forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, TextAreaField
from wtforms.validators import InputRequired, Length


class AskForm(FlaskForm):
    theme = SelectField(_l("About"), coerce=int)
    text = TextAreaField(_l("Your question"), validators=[InputRequired(_l("Write your question.")), Length(max=10_000)])


class AnswerForm(FlaskForm):
    theme = SelectField(_l("Theme"), coerce=int)
    question = TextAreaField(_l("Question as published"),
                             validators=[InputRequired(_l("Write the question as it will be published.")),
                                         Length(max=10_000)])
    answer = TextAreaField(_l("Answer"), validators=[InputRequired(_l("Write the answer.")), Length(max=10_000)])

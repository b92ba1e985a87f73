"""Questions-and-answers forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from consult.core.forms import db_int


class AskForm(FlaskForm):
    theme = SelectField(_l("About"), coerce=int)
    text = TextAreaField(_l("Your question"), validators=[InputRequired(_l("Write your question.")), Length(max=10_000)])


class AnswerForm(FlaskForm):
    theme = SelectField(_l("Theme"), coerce=int)
    # Offered when the consultation has lots (the view sets the choices and checks the one sent).
    lot = SelectField(_l("About the lot"), coerce=db_int, choices=[], validate_choice=False,
                      description=_l("The answer is still published to everyone at the same moment."))
    question = TextAreaField(_l("Question as published"),
                             validators=[InputRequired(_l("Write the question as it will be published.")),
                                         Length(max=10_000)])
    answer = TextAreaField(_l("Answer"), validators=[InputRequired(_l("Write the answer.")), Length(max=10_000)])
    # Shown only when the text could show who asked: the team confirms the findings listed above it,
    # and the code ties the confirmation to exactly those findings.
    confirm_identity = BooleanField(
        _l("I have checked that the question and the answer do not make anyone recognisable"))
    confirmation = HiddenField()

"""Dialogue forms."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from consult.core.forms import strip

BODY_HINT = _l("Never write details of clients.")


class ThreadForm(FlaskForm):
    theme = SelectField(_l("Theme"), coerce=int)
    title = StringField(_l("Title"), filters=[strip],
                        validators=[InputRequired(_l("Give the discussion a title.")), Length(max=200)])
    body = TextAreaField(_l("Message"), validators=[InputRequired(_l("Write a message.")), Length(max=10_000)])


class PostForm(FlaskForm):
    body = TextAreaField(_l("Your message"), validators=[InputRequired(_l("Write a message.")), Length(max=10_000)])
    parent_id = HiddenField()
    quote_of_id = HiddenField()


class EditPostForm(FlaskForm):
    body = TextAreaField(_l("Message"), validators=[InputRequired(_l("Write a message.")), Length(max=10_000)])


class ReasonForm(FlaskForm):
    reason = TextAreaField(_l("Reason"), filters=[strip],
                           validators=[InputRequired(_l("Give a reason.")), Length(max=500)])


class PremoderationForm(FlaskForm):
    premoderation = RadioField(_l("Approval of messages"), choices=[
        SelectChoice("on", _l("A moderator approves every message before others see it")),
        SelectChoice("off", _l("Messages are shown at once; a moderator can hide them afterwards")),
    ], validators=[InputRequired(_l("Choose whether messages wait for approval."))])

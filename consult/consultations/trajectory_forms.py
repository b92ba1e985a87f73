"""Trajectory forms: one per use case. Forms validate; services save."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from consult.core.forms import db_int, hidden_id, strip


def round_label_field():
    return StringField(_l("Name of the round"), filters=[strip],
                       validators=[InputRequired(_l("Enter the name of the round.")), Length(max=200)],
                       description=_l("For example: Exploration, Market consultation, Draft requirements."))


class NewTrajectoryForm(FlaskForm):
    """Start a trajectory with this consultation as its first round."""

    title = StringField(_l("Name of the trajectory"), filters=[strip],
                        validators=[InputRequired(_l("Enter the name of the trajectory.")), Length(max=200)])
    description = TextAreaField(_l("Description"), filters=[strip], validators=[Length(max=2000)])
    label = round_label_field()


class AddRoundForm(FlaskForm):
    consultation = SelectField(_l("Consultation"), coerce=db_int,
                               validators=[InputRequired(_l("Choose a consultation."))],
                               description=_l("Consultations you edit that are not a round of a trajectory yet."))
    label = round_label_field()


class JoinRequestForm(FlaskForm):
    """A provider or council member asks, on behalf of an organisation, to join a round."""

    organisation = SelectField(_l("On behalf of"), coerce=db_int,
                               validators=[InputRequired(_l("Choose your organisation."))])
    reason = TextAreaField(_l("Why does your organisation want to take part?"), filters=[strip],
                           validators=[InputRequired(_l("Say briefly why your organisation wants to take part.")),
                                       Length(max=1000)])


class DecideJoinForm(FlaskForm):
    decision = RadioField(_l("Decision"), choices=[SelectChoice("grant", _l("Grant: invite the organisation")),
                                                   SelectChoice("decline", _l("Decline"))],
                          validators=[InputRequired(_l("Choose whether to grant or decline the request."))])
    reason = TextAreaField(_l("Reason"), filters=[strip], validators=[Length(max=1000)],
                           description=_l("Required when you decline; the organisation reads it."))
    version = hidden_id()

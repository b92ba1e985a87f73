"""Dialogue-session forms: scheduling or changing a session, cancelling it, registering,
cancelling a registration, recording attendance. Forms validate; services save."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional, ValidationError

from consult.consultations.forms import MultiCheckboxField
from consult.consultations.models import PARTICIPANT_AUDIENCE_LABELS
from consult.core.forms import strip
from consult.responses.models import Publication
from consult.sessions.services import MAX_CAPACITY, MAX_SEATS


class SessionForm(FlaskForm):
    title = StringField(_l("Title"), filters=[strip],
                        validators=[InputRequired(_l("Enter a title.")), Length(max=200)])
    purpose = TextAreaField(_l("Purpose"), filters=[strip], validators=[Optional(), Length(max=10_000)],
                            description=_l("What the session is for and what you ask of the participants."))
    themes = MultiCheckboxField(_l("Themes"), coerce=int, validators=[Optional()])
    address = TextAreaField(_l("Address"), filters=[strip], validators=[Optional(), Length(max=1000)],
                            description=_l("Where the session takes place. Leave empty for an online session."))
    online_link = StringField(_l("Online link"), filters=[strip], validators=[Optional(), Length(max=500)],
                              description=_l("A link that starts with https://. Leave empty for a session on location."))
    starts_on = DateField(_l("Date"), validators=[InputRequired(_l("Enter the date."))],
                          description=_l("Dutch time (Europe/Amsterdam)."))
    starts_time = TimeField(_l("Start time"), validators=[InputRequired(_l("Enter the start time."))])
    ends_time = TimeField(_l("End time"), validators=[InputRequired(_l("Enter the end time."))])
    capacity = IntegerField(_l("Number of places"), validators=[
        InputRequired(_l("Enter the number of places.")),
        NumberRange(min=1, max=MAX_CAPACITY, message=_l("Enter a number of places from 1 to %(n)d.", n=MAX_CAPACITY))])
    seats_per_organisation = IntegerField(_l("Seats per organisation"), default=2, validators=[
        InputRequired(_l("Enter the number of seats per organisation.")),
        NumberRange(min=1, max=MAX_SEATS, message=_l("Enter a number of seats from 1 to %(n)d.", n=MAX_SEATS))],
        description=_l("How many people of one organisation may register (waiting list included)."))
    audience = RadioField(_l("Who may register"), default="both",
                          choices=[SelectChoice(a.value, label) for a, label in PARTICIPANT_AUDIENCE_LABELS.items()],
                          validators=[InputRequired(_l("Choose who may register."))])
    deadline_on = DateField(_l("Registration deadline (date)"), validators=[Optional()],
                            description=_l("Leave empty to close registration when the session starts."))
    deadline_time = TimeField(_l("Registration deadline (time)"), validators=[Optional()])
    version = IntegerField(validators=[Optional()])  # of the session being changed, as the form showed it

    def validate_online_link(self, field):
        if field.data and not field.data.lower().startswith("https://"):
            raise ValidationError(_l("Enter an online link that starts with https://."))

    def validate_ends_time(self, field):
        if field.data and self.starts_time.data and field.data <= self.starts_time.data:
            raise ValidationError(_l("The end must be after the start."))

    def validate(self, extra_validators=None) -> bool:
        """The checks across optional fields (an optional field that is empty skips its own)."""
        valid = super().validate(extra_validators)
        if not self.address.data and not self.online_link.data and not self.address.errors:
            self.address.errors = [*self.address.errors, str(_l("Enter an address, an online link, or both."))]
            valid = False
        if bool(self.deadline_on.data) != bool(self.deadline_time.data) and not self.deadline_on.errors \
                and not self.deadline_time.errors:
            self.deadline_time.errors = [
                *self.deadline_time.errors, str(_l("Enter both the date and the time of the registration deadline."))]
            valid = False
        return valid


class CancelSessionForm(FlaskForm):
    version = IntegerField(validators=[Optional()])


NAMING_HINT = _l("The project team writes minutes of what was said; registrants can comment on them, and the "
                 "minutes with the comments go into the consultation report. With your agreement your "
                 "organisation is named with the points it made and with its comments; without it, they say "
                 "“a participant”. Your organisation is named only when everyone registered for it agrees.")


class RegisterForm(FlaskForm):
    organisation = SelectField(_l("On behalf of"), coerce=int,
                               validators=[InputRequired(_l("Choose the organisation you register for."))])
    may_name = BooleanField(_l("My organisation may be named in the minutes and with its comments on them"),
                            description=NAMING_HINT)


class ConsentForm(FlaskForm):
    """A registrant changes whether their organisation may be named in the minutes."""

    may_name = RadioField(_l("May the minutes and the comments on them name your organisation?"), choices=[
        SelectChoice("yes", _l("Yes, name my organisation with what it said")),
        SelectChoice("no", _l("No, write “a participant”"))], description=NAMING_HINT,
        validators=[InputRequired(_l("Choose whether your organisation may be named."))])


class CancelRegistrationForm(FlaskForm):
    """Only the confirmation itself cancels (a POST with its CSRF token)."""


class AttendanceForm(FlaskForm):
    attended = RadioField(_l("Attendance"), choices=[
        SelectChoice("yes", _l("Attended")), SelectChoice("no", _l("Did not attend")),
        SelectChoice("unknown", _l("Not recorded"))], validators=[InputRequired(_l("Choose the attendance."))])


class AgendaItemForm(FlaskForm):
    title = StringField(_l("Agenda item"), filters=[strip],
                        validators=[InputRequired(_l("Enter a title.")), Length(max=200)])
    description = TextAreaField(_l("Explanation"), filters=[strip], validators=[Optional(), Length(max=10_000)])


class PublishForm(FlaskForm):
    """Publishing the agenda or the minutes: only the confirmation itself publishes."""


# The answers' three publication choices, worded for written input.
INPUT_PUBLICATION_LABELS = {
    Publication.NAMED: _l("Publish quotes from it with the name of our organisation"),
    Publication.ANONYMOUS: _l("Publish quotes from it without the name of our organisation"),
    Publication.NONE: _l("Do not publish it"),
}


class WrittenInputForm(FlaskForm):
    organisation = SelectField(_l("On behalf of"), coerce=int,
                               validators=[InputRequired(_l("Choose the organisation you register for."))])
    text = TextAreaField(_l("Your written input"), filters=[strip],
                         validators=[InputRequired(_l("Write your input.")), Length(max=10_000)])
    publication = RadioField(
        _l("May quotes from your written input be published in the consultation report?"),
        default=Publication.NONE.value,
        choices=[SelectChoice(p.value, label) for p, label in INPUT_PUBLICATION_LABELS.items()],
        validators=[InputRequired(_l("Choose whether quotes from your written input may be published."))],
        description=_l("The project team reads your written input. Only when you allow publication may the team "
                       "take a short quote from it for the consultation report. The report names your "
                       "organisation, with a quote or with what the municipality did with your input, only when "
                       "you choose “with the name of our organisation”; otherwise it says “a participant”. With "
                       "“do not publish” no words of it leave the project team."))
    version = IntegerField(validators=[Optional()])


NOBODY = 0  # the attribution choice "not attributed"


class MinutesPointForm(FlaskForm):
    text = TextAreaField(_l("New point"), filters=[strip],  # the view names the item in the label
                         validators=[InputRequired(_l("Write the point.")), Length(max=10_000)])
    organisation = SelectField(_l("Attributed to"), coerce=int, default=NOBODY, validators=[Optional()],
                               description=_l("Outside the project team the organisation is named only if it "
                                              "agreed; otherwise the minutes say “a participant”."))


class EditPointForm(MinutesPointForm):
    version = IntegerField(validators=[Optional()])


class PublishMinutesForm(FlaskForm):
    comments_until = DateField(_l("Last day for comments"), validators=[Optional()],
                               description=_l("Registrants can comment on each point up to and including this "
                                              "day (Dutch time). Left empty: 14 days from today."))


# Said with the comment field, before a comment is posted or changed.
COMMENT_READERS = _l("The participants who registered for the session read your comment, and once the "
                     "consultation report is published everyone can read it there, with the answer of the "
                     "project team. Your organisation is named with it only if it agreed to be named; "
                     "otherwise it says “a participant”.")


class CommentForm(FlaskForm):
    text = TextAreaField(_l("Your comment"), filters=[strip],  # the view names the point in the label
                         validators=[InputRequired(lazy_pgettext("comment on the minutes", "Write your comment.")),
                                     Length(max=10_000)],
                         description=COMMENT_READERS)
    version = IntegerField(validators=[Optional()])


class AnswerForm(FlaskForm):
    reply = TextAreaField(_l("Answer of the project team"), filters=[strip],
                          validators=[InputRequired(_l("Write the answer.")), Length(max=10_000)])
    corrected = BooleanField(_l("The point has been corrected in the minutes"))
    version = IntegerField(validators=[Optional()])
